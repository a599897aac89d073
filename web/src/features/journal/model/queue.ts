// The offline queue: the teacher's changes and the pages they were made on, in IndexedDB,
// so that they outlive a reload or a closed laptop with no network.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import { enqueue, target } from "./enqueue";
import type { Change, JournalPage, QueuedChange } from "./types";

interface QueueDB extends DBSchema {
  changes: { key: string; value: QueuedChange; indexes: { page: string } };
  pages: { key: string; value: { page: string; data: JournalPage; at: number } };
}

type Listener = (page: string) => void;

function newId(): string {
  return crypto.randomUUID();
}

export class JournalQueue {
  private listeners = new Set<Listener>();

  constructor(private db: Promise<IDBPDatabase<QueueDB>>) {}

  static open(name = "school-journal"): JournalQueue {
    return new JournalQueue(
      openDB<QueueDB>(name, 1, {
        upgrade(db) {
          const changes = db.createObjectStore("changes", { keyPath: "id" });
          changes.createIndex("page", "page");
          db.createObjectStore("pages", { keyPath: "page" });
        },
      }),
    );
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(page: string): void {
    for (const listener of this.listeners) listener(page);
  }

  /** The page's queued changes in the order they were made. */
  async list(page: string): Promise<QueuedChange[]> {
    const all = await (await this.db).getAllFromIndex("changes", "page", page);
    return all.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  }

  async add(page: string, change: Change, data: JournalPage): Promise<void> {
    const db = await this.db;
    const tx = db.transaction("changes", "readwrite");
    const queue = (await tx.store.index("page").getAll(page)).sort((a, b) => a.at - b.at);
    const { add, drop } = enqueue(queue, change, data);
    for (const id of drop) await tx.store.delete(id);
    if (add) {
      const at = Math.max(Date.now(), ...queue.map((q) => q.at + 1));
      await tx.store.put({ id: newId(), page, change: add, status: "pending", at });
    }
    await tx.done;
    this.changed(page);
  }

  /** Forget a queued change (an unsent mark deleted, a conflict given up). */
  async drop(page: string, id: string): Promise<void> {
    const db = await this.db;
    const found = await db.get("changes", id);
    if (found && !found.batch) await db.delete("changes", id);
    this.changed(page);
  }

  /** Send a troubled change again, based on what the server holds now. */
  async retry(page: string, id: string, change: Change): Promise<void> {
    const db = await this.db;
    const found = await db.get("changes", id);
    if (!found || found.batch) return;
    await db.put("changes", { ...found, change, status: "pending", current: undefined, problem: undefined });
    this.changed(page);
  }

  /** The save to send: the one sent before and not answered (the same key, the same
   * changes), else a new one of every pending change; null when there is nothing. */
  async batch(page: string): Promise<{ key: string; entries: QueuedChange[] } | null> {
    const db = await this.db;
    const tx = db.transaction("changes", "readwrite");
    const queue = (await tx.store.index("page").getAll(page)).sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    const open = queue.filter((q) => q.batch);
    if (open.length) {
      await tx.done;
      return { key: open[0]!.batch!, entries: open };
    }
    const pending = queue.filter((q) => q.status === "pending");
    if (!pending.length) {
      await tx.done;
      return null;
    }
    const key = newId();
    for (const entry of pending) {
      entry.batch = key;
      await tx.store.put(entry);
    }
    await tx.done;
    return { key, entries: pending };
  }

  /** The save was applied: its changes leave the queue; later changes of the same targets
   * now build on the versions it made. */
  async saved(page: string, key: string, results: { index: number; result: Record<string, unknown> }[]): Promise<void> {
    const db = await this.db;
    const tx = db.transaction("changes", "readwrite");
    const queue = await tx.store.index("page").getAll(page);
    const sent = queue.filter((q) => q.batch === key).sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    const versions = new Map<string, number>();
    for (const { index, result } of results) {
      const entry = sent[index];
      const name = entry && target(entry.change);
      if (name && typeof result.version === "number") versions.set(name, result.version);
    }
    for (const entry of sent) await tx.store.delete(entry.id);
    for (const entry of queue) {
      if (entry.batch === key) continue;
      const name = target(entry.change);
      const version = name ? versions.get(name) : undefined;
      if (version !== undefined && "version" in entry.change) {
        await tx.store.put({ ...entry, change: { ...entry.change, version } as Change });
      }
    }
    await tx.done;
    this.changed(page);
  }

  /** The save was refused whole (nothing written): the named changes are marked with the
   * server's answer, the others are pending again, for a new save. */
  async refused(
    page: string,
    key: string,
    troubles: Map<number, { status: "conflict" | "refused"; current?: unknown; problem?: QueuedChange["problem"] }>,
  ): Promise<void> {
    const db = await this.db;
    const tx = db.transaction("changes", "readwrite");
    const sent = (await tx.store.index("page").getAll(page))
      .filter((q) => q.batch === key)
      .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    for (const [index, entry] of sent.entries()) {
      const trouble = troubles.get(index);
      const next: QueuedChange = { ...entry, batch: undefined };
      if (trouble) Object.assign(next, trouble);
      await tx.store.put(next);
    }
    await tx.done;
    this.changed(page);
  }

  async keepPage(page: string, data: JournalPage): Promise<void> {
    await (await this.db).put("pages", { page, data, at: Date.now() });
  }

  async keptPage(page: string): Promise<JournalPage | null> {
    return (await (await this.db).get("pages", page))?.data ?? null;
  }
}
