/** The query of a route that takes none: with the whitelisting ValidationPipe, any parameter is a 400. */
export class NoQuery {}
