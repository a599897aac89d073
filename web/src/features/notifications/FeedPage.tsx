import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";
import { FEED, markAllRead, markRead, UNREAD, useFeed, useLiveFeed } from "./api";

/** The client's screen a notice points to (`payload.link`, a path of this client). */
function screenLink(payload: { [key: string]: unknown }): string | undefined {
  const link = payload.link;
  return typeof link === "string" && link.startsWith("/") && !link.startsWith("//") ? link : undefined;
}

/** The signed-in person's notifications, newest first, updated live. */
export function FeedPage() {
  const feed = useFeed();
  const live = useLiveFeed();
  const queries = useQueryClient();
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: FEED });
    void queries.invalidateQueries({ queryKey: UNREAD });
  };
  const readOne = useMutation({ mutationFn: markRead, onSuccess: refresh });
  const readAll = useMutation({ mutationFn: markAllRead, onSuccess: refresh });
  const unread = feed.data?.unread ?? 0;

  return (
    <section aria-labelledby="feed-title" className="feed" data-live={live ? "on" : "off"}>
      <div className="diary-head">
        <h1 id="feed-title">Уведомления</h1>
        <p className="muted" aria-live="polite" data-testid="unread-count">
          {unread ? `Непрочитанных: ${unread}` : "Всё прочитано"}
        </p>
      </div>
      <p>
        <Link to="/notifications/preferences">Настройки уведомлений</Link>
      </p>
      <p className="muted">{live ? "Новые уведомления появляются сами." : "Нет связи с сервером: список может быть неполным."}</p>
      {unread > 0 && (
        <div className="toolbar">
          <button type="button" disabled={readAll.isPending} onClick={() => readAll.mutate()}>
            Отметить все прочитанными
          </button>
        </div>
      )}
      {feed.isPending && <p>Загрузка…</p>}
      {feed.isError && (
        <p className="error" role="alert">
          Уведомления не загрузились: {problemMessage(feed.error)}
        </p>
      )}
      {feed.data && feed.data.items.length === 0 && <p>Уведомлений пока нет.</p>}
      {feed.data && feed.data.items.length > 0 && (
        <ul className="card feed-list" aria-label="Уведомления">
          {feed.data.items.map((item) => (
            <li key={item.id} data-testid="notification" className={item.read_at ? "read" : "unread"}>
              <p>{item.text}</p>
              {screenLink(item.payload) && (
                <p>
                  <Link to={screenLink(item.payload)!}>{item.kind === "year_sealed" ? "Открыть архив" : "Открыть"}</Link>
                </p>
              )}
              <p className="muted">
                {schoolDateTime(item.created_at)}
                {item.read_at ? " · прочитано" : ""}
              </p>
              {!item.read_at && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Прочитано: ${item.text}`}
                  onClick={() => readOne.mutate(item.id)}
                >
                  Прочитано
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
