import type { RouteObject } from "react-router";
import { DiaryHome, DiaryLayout } from "./DiaryLayout";
import { HomeworkPage } from "./HomeworkPage";
import { MarksPage } from "./MarksPage";
import { WeekPage } from "./WeekPage";

export const diaryRoutes: RouteObject[] = [
  { path: "diary", element: <DiaryHome /> },
  {
    path: "diary/:studentId",
    element: <DiaryLayout />,
    children: [
      { index: true, element: <WeekPage /> },
      { path: "marks", element: <MarksPage /> },
      { path: "homework", element: <HomeworkPage /> },
    ],
  },
];
