import { JournalQueue } from "./queue";

/** The browser's one queue of journal changes. */
export const journalQueue = JournalQueue.open();
