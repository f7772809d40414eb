/** What a route declares: a method and a path pattern such as `/audit_logs/exports/:id`. */
export interface RouteDefinition {
  readonly method: string;
  readonly path: string;
}

/** The result of {@link Router.match}. */
export type RouteLookup<R> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' };

interface Compiled<R> {
  route: R;
  segments: string[];
}

/**
 * Matches a method and path to a route. Patterns are literal segments and `:name` parameters,
 * one segment each; parameters arrive percent-decoded.
 */
export class Router<R extends RouteDefinition> {
  readonly #routes: Compiled<R>[];

  constructor(routes: readonly R[]) {
    this.#routes = routes.map((route) => ({ route, segments: split(route.path) }));
  }

  match(method: string, pathname: string): RouteLookup<R> {
    const segments = split(pathname);
    const allowed: string[] = [];
    for (const { route, segments: pattern } of this.#routes) {
      const params = matchSegments(pattern, segments);
      if (params === undefined) continue;
      if (route.method === method) return { kind: 'found', route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment, index, all) => index > 0 || segment !== '' || all.length === 1);
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const trimmed = segments.at(-1) === '' && segments.length > 1 ? segments.slice(0, -1) : segments;
  if (pattern.length !== trimmed.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = trimmed[index] ?? '';
    if (part.startsWith(':')) {
      const value = decode(segment);
      if (value === undefined || value === '') return undefined;
      params[part.slice(1)] = value;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
