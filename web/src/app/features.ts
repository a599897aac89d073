// Every feature of the client: add a line here to add a feature's screens and navigation.
import { accounts } from "../features/accounts";
import { archive } from "../features/archive";
import { externalSignIn } from "../features/auth/external";
import { deputy } from "../features/deputy";
import { diary } from "../features/diary";
import { journal } from "../features/journal";
import { mail } from "../features/mail";
import { notifications } from "../features/notifications";
import { reports } from "../features/reports";
import { roster } from "../features/roster";
import type { Feature } from "./feature";

export const FEATURES: Feature[] = [
  journal,
  diary,
  roster,
  deputy,
  notifications,
  mail,
  reports,
  archive,
  accounts,
  externalSignIn,
];
