export { serve, type Server } from './server';
export { SERVE_DEFAULTS, type ServeOptions } from './options';
export { HttpError } from './errors';
