/** Reading the dashboard back from a template, for the infra tests. */
import type { Template } from "aws-cdk-lib/assertions";

export interface DashboardWidget {
  type: string;
  properties: { title?: string; metrics?: unknown[][] };
}

/** The dashboard's widgets; deploy-time values (a region, a queue name) read as "<token>". */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  if (dashboards.length !== 1) throw new Error(`Expected one dashboard, found ${dashboards.length}`);
  const body = dashboards[0]?.Properties.DashboardBody as string | { "Fn::Join": [string, unknown[]] };
  const text =
    typeof body === "string"
      ? body
      : body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "<token>")).join("");
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}

/** Every value of a metric dimension the dashboard draws, e.g. each `route`. */
export function dimensionValues(widgets: DashboardWidget[], dimension: string): Set<string> {
  const values = new Set<string>();
  for (const metric of widgets.flatMap((widget) => widget.properties.metrics ?? [])) {
    const at = metric.indexOf(dimension);
    // A metric is [namespace, name, dimension, value, ..., options]: names sit at even places from 2.
    if (at >= 2 && at % 2 === 0) values.add(String(metric[at + 1]));
  }
  return values;
}

/** Every line label the dashboard draws. */
export function lineLabels(widgets: DashboardWidget[]): string[] {
  return widgets
    .flatMap((widget) => widget.properties.metrics ?? [])
    .map((metric) => metric.at(-1))
    .filter(
      (options): options is { label: string } => typeof options === "object" && options !== null && "label" in options,
    )
    .map((options) => options.label);
}
