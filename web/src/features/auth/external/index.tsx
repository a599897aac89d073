import type { Feature } from "../../../app/feature";
import { LinkPage } from "./LinkPage";

export { CallbackPage } from "./CallbackPage";
export { ExternalSignInButton } from "./ExternalSignInButton";

/** Sign-in through Госуслуги: the adults' link to it (the sign-in page's button and the
 * callback route are outside the signed-in shell). */
export const externalSignIn: Feature = {
  routes: [{ path: "external-account", element: <LinkPage /> }],
  nav: [
    {
      to: "/external-account",
      label: "Госуслуги",
      roles: ["parent", "sysadmin", "director", "deputy", "teacher", "class_teacher"],
    },
  ],
};
