"""Internal mail: threads, messages to people and to addressing groups, attachments,
per-mailbox read state, archive and delete, search, and the school's help mailbox."""
