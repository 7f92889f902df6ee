// Storage errors that map onto backend HTTP statuses (the object server turns them into
// responses; the proxy turns those back into these).

export class StorageError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export const notFound = (what: string, headers: Record<string, string> = {}) => new StorageError(404, `${what} not found`, headers);
export const conflict = (what: string, headers: Record<string, string> = {}) => new StorageError(409, what, headers);
