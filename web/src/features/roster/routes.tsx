import type { RouteObject } from "react-router";
import { ClassPage, MyClassPage } from "./RosterPage";
import { StudentPage } from "./StudentPage";

export const rosterRoutes: RouteObject[] = [
  { path: "class", element: <MyClassPage /> },
  { path: "class/:classId", element: <ClassPage /> },
  { path: "students/:studentId", element: <StudentPage /> },
];
