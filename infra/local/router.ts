/**
 * Route matching as API Gateway HTTP APIs do it, for the routes this project has: `ANY` routes whose
 * path is either literal (`/inbound`) or literal segments then one path variable as the last segment
 * (`/inbound/{secret}`). A request path matches a literal route exactly, raw (not decoded); otherwise a
 * templated route whose literal part is all of the path up to its last "/", the variable taking that
 * last segment, which must not be empty. So a literal route wins over a templated one that also matches
 * (`/inbound/status` before `/inbound/{secret}`), as on API Gateway, and no two templated routes can
 * match the same request. Routes API Gateway accepts but no route here uses (several variables, greedy
 * `{proxy+}`, method-specific routes) are refused when the router is built, rather than matched wrongly.
 */

export interface RouteMatch<Route> {
  route: Route;
  /** "ANY " and the path as written, template included: the event's routeKey. */
  routeKey: string;
  /** The URL-decoded variable; undefined for a literal route, whose event then has no pathParameters. */
  pathParameters: Record<string, string> | undefined;
}

export interface Router<Route> {
  match(rawPath: string): RouteMatch<Route> | undefined;
}

interface TemplatedRoute<Route> {
  route: Route;
  routeKey: string;
  variable: string;
}

/** Checks the routes the way API Gateway checks route keys, and fails on the first it would refuse. */
export function buildRouter<Route extends { path: string }>(routes: Route[]): Router<Route> {
  const literalRoutes = new Map<string, Route>();
  /** Keyed by the literal part of the path, up to and including its last "/". */
  const templatedRoutes = new Map<string, TemplatedRoute<Route>>();

  for (const route of routes) {
    const routeKey = `ANY ${route.path}`;
    if (!route.path.startsWith("/")) throw new Error(`Route ${routeKey}: the path must start with "/"`);
    const lastSlash = route.path.lastIndexOf("/");
    const prefix = route.path.slice(0, lastSlash + 1);
    const last = route.path.slice(lastSlash + 1);
    if (/[{}]/.test(prefix)) {
      throw new Error(`Route ${routeKey}: only the last segment may be a path variable (one per route locally)`);
    }
    if (!/[{}]/.test(last)) {
      if (literalRoutes.has(route.path)) throw new Error(`Route ${routeKey} is defined twice`);
      literalRoutes.set(route.path, route);
      continue;
    }
    const variable = /^\{([^{}/+]+)(\+?)\}$/.exec(last);
    if (!variable) throw new Error(`Route ${routeKey}: a path variable must be a whole segment, "{name}"`);
    const [, name = "", greedy] = variable;
    if (greedy) throw new Error(`Route ${routeKey}: greedy path variables ("{${name}+}") are not supported locally`);
    // Routes that differ only in their variable's name would match the same requests.
    const clash = templatedRoutes.get(prefix);
    if (clash) {
      throw new Error(
        clash.routeKey === routeKey
          ? `Route ${routeKey} is defined twice`
          : `Routes ${clash.routeKey} and ${routeKey} would match the same requests`,
      );
    }
    templatedRoutes.set(prefix, { route, routeKey, variable: name });
  }

  return {
    match(rawPath) {
      const literal = literalRoutes.get(rawPath);
      if (literal) return { route: literal, routeKey: `ANY ${literal.path}`, pathParameters: undefined };
      const lastSlash = rawPath.lastIndexOf("/");
      const segment = rawPath.slice(lastSlash + 1);
      const templated = templatedRoutes.get(rawPath.slice(0, lastSlash + 1));
      if (!templated || segment === "") return undefined;
      const { route, routeKey, variable } = templated;
      return { route, routeKey, pathParameters: { [variable]: decodePathSegment(segment) } };
    },
  };
}

/** Percent-decoded ("+" stays a plus in a path); a malformed escape leaves the segment as sent. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
