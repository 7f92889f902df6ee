// One error type for every service. Each service renders it in its own upstream
// body format (ServiceApi.renderError); handlers only say what went wrong.

export const HTTP_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export class ApiError extends Error {
  readonly status: number;
  /** the upstream error's name where a service exposes one (Neutron `type`, Keystone `title`) */
  readonly kind?: string;
  readonly headers?: Record<string, string>;

  constructor(status: number, message: string, options: { kind?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.kind = options.kind;
    this.headers = options.headers;
  }

  get title(): string {
    return HTTP_TITLES[this.status] ?? 'Error';
  }
}

export const badRequest = (message: string, kind?: string) => new ApiError(400, message, { kind });
export const unauthorized = (message = 'The request you have made requires authentication.') => new ApiError(401, message);
export const forbidden = (message = 'You are not authorized to perform the requested action.', kind?: string) =>
  new ApiError(403, message, { kind });
export const notFound = (message: string, kind?: string) => new ApiError(404, message, { kind });
export const conflict = (message: string, kind?: string) => new ApiError(409, message, { kind });
export const notImplemented = (message = 'The action you have requested has not been implemented.') =>
  new ApiError(501, message);
