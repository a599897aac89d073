import "../../components/screens.css";
import type { Feature } from "../../app/feature";
import { ComposePage } from "./ComposePage";
import { LettersPage } from "./letters/LettersPage";
import { MailboxPage } from "./MailboxPage";
import { MailNavBadge } from "./MailNavBadge";
import { ThreadPage } from "./ThreadPage";

/** Internal mail for everyone signed in: the mailbox, threads, writing (to support too)
 * and, for the sysadmin, the school's help mailbox. */
export const mail: Feature = {
  routes: [
    { path: "mail", element: <MailboxPage /> },
    { path: "mail/new", element: <ComposePage /> },
    { path: "mail/threads/:threadId", element: <ThreadPage /> },
    { path: "mail/help", element: <MailboxPage mailbox="help" /> },
    { path: "mail/help/threads/:threadId", element: <ThreadPage mailbox="help" /> },
    { path: "progress-letters", element: <LettersPage /> },
  ],
  nav: [
    {
      to: "/mail",
      label: "Почта",
      roles: ["sysadmin", "director", "deputy", "teacher", "class_teacher", "student", "parent", "district_inspector"],
      Badge: MailNavBadge,
    },
    { to: "/progress-letters", label: "Письма об успеваемости", roles: ["class_teacher"] },
  ],
};
