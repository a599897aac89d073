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
  /** Shown after the label inside the link (an unread count), kept live by its feature. */
  Badge?: ComponentType;
};

export type Feature = {
  /** Routes under the signed-in shell (paths relative to "/"). */
  routes: RouteObject[];
  nav: NavItem[];
};
