import { createBrowserRouter } from "react-router";
import { Shell } from "../components/Shell";
import { ActivatePage } from "../features/auth/ActivatePage";
import { CallbackPage } from "../features/auth/external";
import { SignInPage } from "../features/auth/SignInPage";
import { FEATURES } from "./features";
import { Home } from "./Home";
import { NotFound } from "./NotFound";

export const router = createBrowserRouter([
  { path: "/signin", element: <SignInPage /> },
  { path: "/activate", element: <ActivatePage /> },
  { path: "/signin/external", element: <CallbackPage /> },
  {
    path: "/",
    element: <Shell />,
    children: [
      { index: true, element: <Home /> },
      ...FEATURES.flatMap((feature) => feature.routes),
      { path: "*", element: <NotFound /> },
    ],
  },
]);
