// The typed API clients, one per service, generated from the services' OpenAPI documents
// (scripts/gen-api.mjs): a changed API breaks `tsc`, not the page.
import createClient from "openapi-fetch";
import type { paths as ArchivePaths } from "../api/generated/archive";
import type { paths as AuthPaths } from "../api/generated/auth";
import type { paths as JournalPaths } from "../api/generated/journal";
import type { paths as MessagingPaths } from "../api/generated/messaging";
import type { paths as ReportingPaths } from "../api/generated/reporting";
import { authFetch } from "./http";

const options = { baseUrl: "", fetch: authFetch };

export const auth = createClient<AuthPaths>(options);
export const journal = createClient<JournalPaths>(options);
export const messaging = createClient<MessagingPaths>(options);
export const reporting = createClient<ReportingPaths>(options);
export const archive = createClient<ArchivePaths>(options);

export type { components as AuthSchemas } from "../api/generated/auth";
export type { components as JournalSchemas } from "../api/generated/journal";

/** A problem+json answer of a service (RFC 9457), thrown by `unwrap`. */
export class ApiProblem extends Error {
  constructor(
    public status: number,
    public problem: { type?: string; title?: string; detail?: string; [key: string]: unknown },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  get slug(): string {
    return (this.problem.type ?? "").replace("urn:school:problem:", "");
  }
}

/** react-query's `retry` for reads: a refusal (a 4xx problem: 403, 404, 409, 422…) is an
 * answer, not a failure to retry; anything else is tried twice more. */
export const retryUnlessRefused = (count: number, error: unknown) =>
  count < 2 && !(error instanceof ApiProblem && error.status < 500);

/** The data of an openapi-fetch result, or its problem thrown. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiProblem(result.response.status, (result.error ?? {}) as ApiProblem["problem"]);
  }
  return result.data as T;
}
