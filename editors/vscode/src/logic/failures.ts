/**
 * What the user is told when a server command fails, and whether the extension says it at all.
 *
 * The server shows failures of the model endpoint and of the sandbox itself (window/showMessage)
 * and marks its RequestFailed error with `data: {type, shown: true}`; a popup from the extension
 * would say the same thing twice; so does its InternalError for an unexpected failure. A cancelled request (the user pressed Cancel on the progress)
 * needs no popup either, nor one cut off by the server stopping (the status bar shows that).
 */

export const REQUEST_FAILED = -32803;
/** JSON-RPC's InternalError: the server shows its unexpected failures too, with the same flag. */
export const INTERNAL_ERROR = -32603;
export const REQUEST_CANCELLED = -32800;
/** JSON-RPC's PendingResponseRejected and ConnectionInactive: the connection closed under the request. */
const CONNECTION_GONE: readonly unknown[] = [-32097, -32096];

function field(value: unknown, key: string): unknown {
  return value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when the server has already shown this failure to the user. */
export function shownByServer(error: unknown): boolean {
  const code = field(error, "code");
  return (code === REQUEST_FAILED || code === INTERNAL_ERROR) && field(field(error, "data"), "shown") === true;
}

/** A request the user cancelled: the server's RequestCancelled, or VS Code's CancellationError. */
export function cancelled(error: unknown): boolean {
  return field(error, "code") === REQUEST_CANCELLED || (error instanceof Error && error.name === "Canceled");
}

/** The server has no API key: it names the variable, the extension says how to set one in VS Code. */
export function needsApiKey(error: unknown): boolean {
  return field(error, "code") === REQUEST_FAILED && field(field(error, "data"), "type") === "NoApiKey";
}

/** The error popup's text, or undefined when the extension must not show one. */
export function failureNotice(error: unknown, keyEnv = "OPENAI_API_KEY"): string | undefined {
  if (shownByServer(error) || cancelled(error) || CONNECTION_GONE.includes(field(error, "code"))) {
    return undefined;
  }
  if (needsApiKey(error)) {
    return (
      `LATM: no API key for the model endpoint. Run "LATM: Set API Key" to store one; the server gets it as ${keyEnv} ` +
      "(latm.apiKeyEnv names another variable; a local server that needs no key accepts any value)."
    );
  }
  return `LATM: ${errorText(error)}`;
}
