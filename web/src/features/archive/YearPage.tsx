import { useState } from "react";
import { Link, useParams } from "react-router";
import { problemMessage } from "../../lib/problems";
import { schoolDateTime } from "../../lib/when";
import { canDownload } from "./access";
import { downloadFailure, downloadFile, useArchivedYear, useIntegrityCheck, type ArchivedFile } from "./api";
import { useArchive } from "./ArchiveLayout";
import {
  classJournals,
  dayWithYear,
  downloadName,
  fileLabel,
  fileResults,
  sizeLabel,
  statusLabel,
  verdict,
  yearFiles,
} from "./format";

/** One archived year: its class journals (PDF and JSON downloads for the director and
 * the deputy), the year's own files, and the integrity check with each file's result. */
export function YearPage() {
  const { yearId = "" } = useParams();
  const { me } = useArchive();
  const year = useArchivedYear(yearId);
  const downloads = canDownload(me.roles);
  if (year.isPending) return <p>Загрузка…</p>;
  if (year.isError)
    return (
      <div>
        <p className="error" role="alert">
          {problemMessage(year.error)}
        </p>
        <p>
          <Link to="/archive">Ко всем годам архива</Link>
        </p>
      </div>
    );
  const data = year.data;
  const journals = classJournals(data.files);
  return (
    <div>
      <p>
        <Link to="/archive">← Все годы архива</Link>
      </p>
      <h2>Учебный год {data.name ?? data.year_id}</h2>
      <p className={`archive-status ${data.status}`}>{statusLabel(data)}</p>
      <dl className="facts">
        {data.starts_on && data.ends_on && (
          <>
            <dt>Сроки</dt>
            <dd>
              {dayWithYear(data.starts_on)} — {dayWithYear(data.ends_on)}
            </dd>
          </>
        )}
        {data.sealed_at && (
          <>
            <dt>Запечатан</dt>
            <dd>{schoolDateTime(data.sealed_at)}</dd>
          </>
        )}
        {data.public_key_sha256 && (
          <>
            <dt>Ключ школы (SHA-256)</dt>
            <dd>
              <code className="hash">{data.public_key_sha256}</code>
            </dd>
          </>
        )}
      </dl>

      <section aria-labelledby="journals-title" className="archive-section">
        <h3 id="journals-title">Классные журналы</h3>
        {journals.length === 0 && <p>Классных журналов в этом году нет.</p>}
        {journals.length > 0 && (
          <div className="table-wrap">
            <table className="table archive-journals">
              <thead>
                <tr>
                  <th scope="col">Класс</th>
                  <th scope="col">Журнал (PDF, с подписью школы)</th>
                  <th scope="col">Данные (JSON)</th>
                </tr>
              </thead>
              <tbody>
                {journals.map((journal) => (
                  <tr key={journal.classId}>
                    <th scope="row">{journal.className}</th>
                    <td>
                      <FileCell yearId={data.year_id} file={journal.pdf} downloads={downloads} what="PDF" />
                    </td>
                    <td>
                      <FileCell yearId={data.year_id} file={journal.package} downloads={downloads} what="JSON" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {!downloads && (
          <p className="muted">Файлы журналов скачивают директор и заместитель директора; вам видны состав и проверка.</p>
        )}
      </section>

      <section aria-labelledby="year-files-title" className="archive-section">
        <h3 id="year-files-title">Файлы года</h3>
        <ul className="stack archive-files">
          {yearFiles(data.files).map((file) => (
            <li key={file.file_id}>
              <span>{fileLabel(file)}</span> <FileCell yearId={data.year_id} file={file} downloads={downloads} what="" />
            </li>
          ))}
        </ul>
      </section>

      {data.status === "sealed" && <IntegritySection yearId={data.year_id} files={data.files} />}
    </div>
  );
}

function FileCell({
  yearId,
  file,
  downloads,
  what,
}: {
  yearId: string;
  file: ArchivedFile | undefined;
  downloads: boolean;
  what: string;
}) {
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!file) return <span className="muted">нет</span>;
  if (file.purged_at) return <span className="muted">удалён по сроку хранения</span>;
  const size = <span className="muted">{sizeLabel(file.size)}</span>;
  if (!downloads) return size;
  const label = what ? `Скачать ${what}: ${fileLabel(file)}` : `Скачать: ${fileLabel(file)}`;
  return (
    <span className="archive-file">
      <button
        type="button"
        disabled={busy}
        aria-label={label}
        onClick={() => {
          setFailure(null);
          setBusy(true);
          downloadFile(yearId, file, downloadName(file))
            .catch((error) => setFailure(downloadFailure(error)))
            .finally(() => setBusy(false));
        }}
      >
        Скачать{what ? ` ${what}` : ""}
      </button>{" "}
      {size}
      {failure && (
        <span className="error" role="alert">
          {" "}
          Файл не выдан: {failure}
        </span>
      )}
    </span>
  );
}

function IntegritySection({ yearId, files }: { yearId: string; files: ArchivedFile[] }) {
  const check = useIntegrityCheck(yearId);
  const report = check.data;
  return (
    <section aria-labelledby="integrity-title" className="archive-section">
      <h3 id="integrity-title">Целостность</h3>
      <p className="muted">
        Проверка заново считает контрольную сумму каждого файла, сверяет подпись перечня ключом школы и электронные
        подписи PDF.
      </p>
      <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
        {check.isPending ? "Проверяется…" : "Проверить"}
      </button>
      {check.isError && (
        <p className="error" role="alert">
          Проверка не выполнена: {downloadFailure(check.error)}
        </p>
      )}
      {report && (
        <div role="status" aria-live="polite">
          <p className={report.intact ? "ok" : "error"}>{verdict(report)}</p>
          <div className="table-wrap">
            <table className="table archive-results">
              <caption className="sr-only">Результат проверки по файлам</caption>
              <thead>
                <tr>
                  <th scope="col">Файл</th>
                  <th scope="col">Результат</th>
                </tr>
              </thead>
              <tbody>
                {fileResults(files, report).map((result) => (
                  <tr key={result.path} className={`result-${result.state}`}>
                    <th scope="row">
                      {result.label}
                      <br />
                      <small className="muted path">{result.path}</small>
                    </th>
                    <td>{result.text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
