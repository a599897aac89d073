import { useState } from "react";
import { problemMessage } from "../../lib/problems";
import { downloadAttachment } from "./api";

type Attachment = { attachment_id: string; file_name: string; size: number };

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} Б`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} КБ`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} МБ`;
}

/** A homework's files: each a button downloading it with the session's token. */
export function Attachments({ files }: { files: Attachment[] }) {
  const [failure, setFailure] = useState<string | null>(null);
  if (files.length === 0) return null;
  return (
    <>
      <ul className="files" aria-label="Файлы задания">
        {files.map((file) => (
          <li key={file.attachment_id}>
            <button
              type="button"
              className="link"
              aria-label={`Скачать файл ${file.file_name}`}
              onClick={() => {
                setFailure(null);
                downloadAttachment(file.attachment_id, file.file_name).catch((error) =>
                  setFailure(problemMessage(error)),
                );
              }}
            >
              {file.file_name}
            </button>{" "}
            <span className="muted">({sizeText(file.size)})</span>
          </li>
        ))}
      </ul>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </>
  );
}
