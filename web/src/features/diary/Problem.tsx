import { isNotFound, problemMessage } from "../../lib/problems";

/** A failed diary request: "not found" for a diary the user may not read, else the cause. */
export function DiaryProblem({ error }: { error: unknown }) {
  if (isNotFound(error)) {
    return (
      <div className="error" role="alert">
        <strong>Дневник не найден.</strong> Такого ученика нет или его дневник вам недоступен.
      </div>
    );
  }
  return (
    <p className="error" role="alert">
      {problemMessage(error)}
    </p>
  );
}
