import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { problemMessage } from "../../lib/problems";
import { importClassList } from "./api";
import { badRows } from "./importErrors";

/** Import a class list (CSV or XLSX): a summary when it is taken, every bad row by line. */
export function ImportPanel({ classId }: { classId: string }) {
  const id = useId();
  const queries = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: (chosen: File) => importClassList(classId, chosen),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["roster"] }),
  });
  const rows = upload.isError ? badRows(upload.error) : [];

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Загрузка списка класса</h2>
      <p className="muted">
        CSV или XLSX до 2 МБ. Первая строка — названия столбцов: фамилия, имя, отчество, дата
        рождения, родитель: ФИО, телефон, email, адрес, кем приходится.
      </p>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (file) upload.mutate(file);
        }}
      >
        <label className="field">
          <span>Файл списка</span>
          <input
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              upload.reset();
            }}
          />
        </label>
        <button type="submit" disabled={!file || upload.isPending}>
          {upload.isPending ? "Загрузка…" : "Загрузить"}
        </button>
      </form>
      {upload.isSuccess && (
        <div role="status" className="ok">
          Список загружен: строк {upload.data.rows}, зачислено учеников{" "}
          {upload.data.students_enrolled}, уже были в классе {upload.data.students_matched},
          родителей добавлено {upload.data.guardians_created}, связей с родителями{" "}
          {upload.data.guardians_linked}.
        </div>
      )}
      {upload.isError && (
        <div role="alert" className="error">
          <p>{problemMessage(upload.error)}</p>
          {rows.length > 0 && (
            <table className="table">
              <caption>Ошибки в файле</caption>
              <thead>
                <tr>
                  <th scope="col">Строка</th>
                  <th scope="col">Что не так</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={`${row.line}-${row.reason}`} data-testid="import-error">
                    <td>{row.line}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
