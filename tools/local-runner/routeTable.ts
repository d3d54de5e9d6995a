// The HTTP functions of the table, ordered the way the host orders routes, so the first match wins.
import type { HttpFunctionDefinition } from '../../functions/functionDefinition';
import {
  compareRoutePrecedence,
  matchRouteTemplate,
  parseRouteTemplate,
  routeShape,
  RouteTemplateError,
  type RouteTemplate,
  type RouteValues,
} from './routeTemplate';

/** An HTTP function with its parsed route. */
export interface HttpRoute {
  readonly definition: HttpFunctionDefinition;
  readonly template: RouteTemplate;
  /** Upper-case methods; empty means every method (function.json without "methods"). */
  readonly methods: ReadonlySet<string>;
}

/** The outcome of routing one request. */
export type RouteLookup =
  | { readonly kind: 'matched'; readonly route: HttpRoute; readonly values: RouteValues }
  | { readonly kind: 'notFound'; readonly methodMismatch: boolean };

/** Every HTTP route of the app, most specific first. */
export class RouteTable {
  readonly routes: readonly HttpRoute[];
  /** Pairs of functions whose routes and methods overlap exactly; the host would pick one arbitrarily. */
  readonly conflicts: readonly string[];

  /** Parses every route; throws RouteTemplateError naming the function whose route is invalid. */
  constructor(definitions: readonly HttpFunctionDefinition[]) {
    const routes = definitions.map((definition): HttpRoute => {
      try {
        return {
          definition,
          template: parseRouteTemplate(definition.route),
          methods: new Set(definition.methods.map((m) => m.toUpperCase())),
        };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RouteTemplateError(`Function "${definition.name}": ${reason}`);
      }
    });
    // Array.prototype.sort is stable, so equally specific routes keep their registration order.
    this.routes = routes.sort((a, b) => compareRoutePrecedence(a.template, b.template));
    this.conflicts = findConflicts(this.routes);
  }

  /** Finds the function for a method and decoded path segments (below the route prefix). */
  find(method: string, path: readonly string[]): RouteLookup {
    let methodMismatch = false;
    const upper = method.toUpperCase();
    for (const route of this.routes) {
      const values = matchRouteTemplate(route.template, path);
      if (!values) continue;
      if (route.methods.size === 0 || route.methods.has(upper)) return { kind: 'matched', route, values };
      methodMismatch = true;
    }
    return { kind: 'notFound', methodMismatch };
  }
}

function findConflicts(routes: readonly HttpRoute[]): string[] {
  const conflicts: string[] = [];
  routes.forEach((a, i) => {
    for (const b of routes.slice(i + 1)) {
      if (routeShape(a.template) !== routeShape(b.template)) continue;
      const shared =
        a.methods.size === 0 || b.methods.size === 0 || [...a.methods].some((m) => b.methods.has(m));
      if (shared)
        conflicts.push(
          `"${a.definition.name}" and "${b.definition.name}" both serve route "${a.template.text}"`,
        );
    }
  });
  return conflicts;
}
