import { scaffoldProvider } from "@penumbra/cli/scaffold";
import { type CompiledService, type CompiledTool, compileProvider } from "@penumbra/core/registry";
import { buildUpstreamRequest } from "@penumbra/core/upstream-request";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const MANIFEST = `
id: vendor
name: Vendor
description: An API with vendor media types
category: developer
tags: []
auth: { scheme: none }
endpoints: openapi.yaml
upstream: https://api.example.com
`;

const SPEC = `
openapi: 3.0.3
info: { title: Vendor, version: "1" }
paths:
  /repos:
    get:
      operationId: list_repos
      summary: List repositories
      responses:
        "200":
          description: ok
          content:
            application/vnd.github+json: { schema: { type: array } }
            text/html: { schema: { type: string } }
        "404": { $ref: "#/components/responses/NotFound" }
  /incidents:
    post:
      operationId: create_incident
      summary: Create an incident
      requestBody:
        required: true
        content:
          application/xml: { schema: { type: object } }
          application/vnd.pagerduty+json;version=2:
            schema: { type: object, properties: { title: { type: string } }, required: [title] }
      responses:
        2XX: { $ref: "#/components/responses/Incident" }
  /report.csv:
    get:
      operationId: get_report
      summary: A CSV report
      responses:
        "200": { description: ok, content: { text/csv: { schema: { type: string } } } }
  /ping:
    delete:
      operationId: ping
      summary: No content
      responses:
        "204": { description: gone }
  /tokens:
    post:
      operationId: create_token
      summary: A form body
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                amount: { type: integer }
                metadata: { type: object, properties: { order: { type: string } } }
                expand: { type: array, items: { type: string } }
      responses:
        "200": { description: ok, content: { "*/*": { schema: { type: object } } } }
components:
  responses:
    NotFound: { description: nope, content: { application/problem+json: { schema: { type: object } } } }
    Incident:
      description: created
      content: { application/vnd.pagerduty+json;version=2: { schema: { type: object } } }
`;

function compiled(): CompiledService {
	const result = compileProvider({
		manifest: parse(MANIFEST),
		manifestFile: "provider.yaml",
		spec: parse(SPEC),
		specFile: "openapi.yaml",
	});
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	return result.service;
}

function tool(service: CompiledService, name: string): CompiledTool {
	const found = service.tools.find((t) => t.name === name);
	if (!found) throw new Error(`no tool ${name}`);
	return found;
}

const noSecrets = () => undefined;

describe("media types an operation declares", () => {
	it("records the 2xx response types (through $refs and 2XX) and the chosen request body type", () => {
		const service = compiled();
		expect(tool(service, "list_repos").response_types).toEqual(["application/vnd.github+json", "text/html"]);
		expect(tool(service, "create_incident").response_types).toEqual([
			"application/vnd.pagerduty+json;version=2",
		]);
		expect(tool(service, "create_incident").body?.contentType).toBe(
			"application/vnd.pagerduty+json;version=2",
		);
		expect(tool(service, "ping").response_types).toEqual([]);
		expect(tool(service, "create_token").body?.contentType).toBe("application/x-www-form-urlencoded");
	});

	it("sends the declared JSON-compatible Accept, else the declared types, else application/json", () => {
		const service = compiled();
		const accept = (name: string, params: Record<string, unknown> = {}) =>
			buildUpstreamRequest(service, tool(service, name), params, noSecrets).headers.get("accept");
		expect(accept("list_repos")).toBe("application/vnd.github+json");
		expect(accept("create_incident", { title: "down" })).toBe("application/vnd.pagerduty+json;version=2");
		expect(accept("get_report")).toBe("text/csv");
		expect(accept("ping")).toBe("application/json");
		expect(accept("create_token", { amount: 1 })).toBe("application/json");
	});

	it("sends a registry entry compiled before media types were recorded as before", () => {
		const service = compiled();
		const { response_types: _, ...old } = tool(service, "list_repos");
		expect(buildUpstreamRequest(service, old, {}, noSecrets).headers.get("accept")).toBe("application/json");
	});

	it("sends the body as the declared vendor JSON type", () => {
		const service = compiled();
		const request = buildUpstreamRequest(
			service,
			tool(service, "create_incident"),
			{ title: "down" },
			noSecrets,
		);
		expect(request.headers.get("content-type")).toBe("application/vnd.pagerduty+json;version=2");
		expect(request.body).toBe('{"title":"down"}');
	});

	it("encodes a form body when a form is the only body type declared", () => {
		const service = compiled();
		const request = buildUpstreamRequest(
			service,
			tool(service, "create_token"),
			{ amount: 1250, metadata: { order: "A-1" }, expand: ["card", "customer"] },
			noSecrets,
		);
		expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
		expect(request.body).toBe("amount=1250&metadata%5Border%5D=A-1&expand=card&expand=customer");
	});

	it("keeps a Swagger 2.0 spec's `produces` and `consumes` through scaffold", async () => {
		const swagger = {
			swagger: "2.0",
			info: { title: "Legacy", version: "1" },
			host: "api.example.com",
			produces: ["application/vnd.api+json"],
			consumes: ["application/vnd.api+json"],
			paths: {
				"/things": {
					get: {
						operationId: "list_things",
						summary: "List things",
						responses: { "200": { description: "ok", schema: { type: "object" } } },
					},
					post: {
						operationId: "add_thing",
						summary: "Add a thing",
						parameters: [
							{
								name: "thing",
								in: "body",
								required: true,
								schema: { type: "object", properties: { name: { type: "string" } } },
							},
						],
						responses: { "201": { description: "created", schema: { type: "object" } } },
					},
				},
			},
		};
		const scaffold = await scaffoldProvider({
			id: "legacy",
			name: "Legacy",
			spec: swagger,
			specUrl: "file:///legacy.json",
			upstreamBase: "https://api.example.com",
		});
		expect(scaffold.problems).toEqual([]);
		const things = scaffold.service?.tools.find((t) => t.name === "list_things");
		expect(things?.response_types).toEqual(["application/vnd.api+json"]);
		const add = scaffold.service?.tools.find((t) => t.name === "add_thing");
		expect(add?.body?.contentType).toBe("application/vnd.api+json");
		expect(add?.response_types).toEqual(["application/vnd.api+json"]);
	});
});
