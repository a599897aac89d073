// What a feature (src/features/<area>/index.ts) gives the app: its screens and the
// navigation entries of the roles that use them. Features never import each other; the
// app composes them in app/features.ts.
import type { ComponentType } from "react";
import type { RouteObject } from "react-router";

export type Role =
  | "sysadmin"
  | "director"
  | "deputy"
  | "teacher"
  | "class_teacher"
  | "student"
  | "parent"
  | "district_inspector";

export type NavItem = {
  to: string;
  label: string;
  roles: Role[];
  /** Renders the label inside the link with what its feature keeps live beside it (an
   * unread count); without it the link holds the label. */
  Badge?: ComponentType<{ label: string }>;
};

export type Feature = {
  /** Routes under the signed-in shell (paths relative to "/"). */
  routes: RouteObject[];
  nav: NavItem[];
};
