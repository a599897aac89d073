import { useEffect, useState } from "react";
import { onServerAway, serverAway } from "../lib/http";
import { useOnline } from "../lib/useOnline";

/** The one message for "the server is away": no network, or the gateway's 502/503/504. */
export function ServerAwayBanner() {
  const [away, setAway] = useState(serverAway);
  const online = useOnline();
  useEffect(() => onServerAway(setAway), []);
  if (online && !away) return null;
  return (
    <div className="banner warning" role="status" aria-live="polite">
      {online
        ? "Сервер журнала сейчас недоступен. Данные на экране могут быть устаревшими; попробуйте обновить через минуту."
        : "Нет подключения к сети. Журнал работает без сети: отметки сохранятся, когда связь вернётся."}
    </div>
  );
}
