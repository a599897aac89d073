import { useState } from "react";
import { problemMessage } from "../../lib/problems";
import { download, type FileRequest } from "./api";
import { FORMATS } from "./format";

/** A report's downloads in every format (PDF, Excel, CSV, JSON), fetched with the session's
 * token. `title` names the report in the buttons' accessible names and the file names. */
export function Downloads({ title, request }: { title: string; request: FileRequest }) {
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="toolbar downloads" role="group" aria-label={`Скачать: ${title}`}>
      <span className="muted">Скачать:</span>
      {FORMATS.map(({ format, label }) => (
        <button
          key={format}
          type="button"
          disabled={busy}
          aria-label={`${label}: ${title}`}
          onClick={() => {
            setFailure(null);
            setBusy(true);
            download(request, format, `${title}.${format}`)
              .catch((error) => setFailure(problemMessage(error)))
              .finally(() => setBusy(false));
          }}
        >
          {label}
        </button>
      ))}
      {failure && (
        <p className="error" role="alert">
          Файл не скачан: {failure}
        </p>
      )}
    </div>
  );
}
