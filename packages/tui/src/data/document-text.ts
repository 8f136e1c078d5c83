/**
 * The text of a GraphQL document, for the wire (HTTP body, graphql-ws payload).
 *
 * gql.tada's documents are ASTs that keep their source text only when they are
 * fragments, and the printers that would do this (graphql-js, graphql.web) are
 * not runtime dependencies of the TUI. This prints the executable subset of
 * GraphQL (operations, fragments, arguments, variables, directives); its spec
 * checks that graphql-js parses the output back into the same document.
 *
 * The node types below are structural, so a gql.tada document fits them as it is.
 */

interface Name {
  readonly value: string;
}

interface TypeRef {
  readonly kind: string;
  readonly name?: Name;
  readonly type?: TypeRef;
}

interface Value {
  readonly kind: string;
  readonly value?: string | boolean;
  readonly name?: Name;
  readonly values?: readonly Value[];
  readonly fields?: readonly { readonly name: Name; readonly value: Value }[];
}

interface Argument {
  readonly name: Name;
  readonly value: Value;
}

interface Directive {
  readonly name: Name;
  readonly arguments?: readonly Argument[];
}

interface SelectionSet {
  readonly selections: readonly Selection[];
}

interface Selection {
  readonly kind: string;
  readonly alias?: Name;
  readonly name?: Name;
  readonly arguments?: readonly Argument[];
  readonly directives?: readonly Directive[];
  readonly typeCondition?: { readonly name: Name };
  readonly selectionSet?: SelectionSet;
}

interface VariableDefinition {
  readonly variable: { readonly name: Name };
  readonly type: TypeRef;
  readonly defaultValue?: Value;
  readonly directives?: readonly Directive[];
}

interface Definition {
  readonly kind: string;
  readonly operation?: string;
  readonly name?: Name;
  readonly variableDefinitions?: readonly VariableDefinition[];
  readonly typeCondition?: { readonly name: Name };
  readonly directives?: readonly Directive[];
  readonly selectionSet?: SelectionSet;
}

export interface PrintableDocument {
  readonly definitions: readonly Definition[];
}

const texts = new WeakMap<PrintableDocument, string>();

/** The document as GraphQL text; printed once per document. */
export function toQueryString(document: PrintableDocument): string {
  let text = texts.get(document);
  if (text === undefined) {
    text = document.definitions.map(printDefinition).join("\n\n");
    texts.set(document, text);
  }
  return text;
}

function printDefinition(definition: Definition): string {
  const parts: string[] = [];
  if (definition.kind === "FragmentDefinition") {
    const typeCondition = required(definition.typeCondition, "a fragment's type condition");
    parts.push(`fragment ${nameOf(definition)} on ${typeCondition.name.value}`);
  } else if (definition.kind === "OperationDefinition") {
    const variables = definition.variableDefinitions ?? [];
    const head = `${definition.operation ?? "query"} ${definition.name?.value ?? ""}`.trimEnd();
    parts.push(variables.length > 0 ? `${head}(${variables.map(printVariable).join(", ")})` : head);
  } else {
    throw new Error(`Only executable definitions can be sent, not ${definition.kind}`);
  }
  parts.push(...printDirectives(definition.directives), printSelectionSet(definition.selectionSet, ""));
  return parts.join(" ");
}

function printVariable(definition: VariableDefinition): string {
  const defaultValue = definition.defaultValue ? ` = ${printValue(definition.defaultValue)}` : "";
  const directives = printDirectives(definition.directives);
  return [
    `$${definition.variable.name.value}: ${printType(definition.type)}${defaultValue}`,
    ...directives,
  ].join(" ");
}

function printType(type: TypeRef): string {
  switch (type.kind) {
    case "NonNullType":
      return `${printType(required(type.type, "a non-null type's inner type"))}!`;
    case "ListType":
      return `[${printType(required(type.type, "a list type's item type"))}]`;
    default:
      return nameOf(type);
  }
}

function printSelectionSet(selectionSet: SelectionSet | undefined, indent: string): string {
  const nested = `${indent}  `;
  const lines = (selectionSet?.selections ?? []).map(
    (selection) => nested + printSelection(selection, nested),
  );
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function printSelection(selection: Selection, indent: string): string {
  const parts: string[] = [];
  if (selection.kind === "Field") {
    const alias = selection.alias ? `${selection.alias.value}: ` : "";
    parts.push(alias + nameOf(selection) + printArguments(selection.arguments));
  } else if (selection.kind === "FragmentSpread") {
    parts.push(`...${nameOf(selection)}`);
  } else {
    parts.push(selection.typeCondition ? `... on ${selection.typeCondition.name.value}` : "...");
  }
  parts.push(...printDirectives(selection.directives));
  if (selection.selectionSet && selection.selectionSet.selections.length > 0) {
    parts.push(printSelectionSet(selection.selectionSet, indent));
  }
  return parts.join(" ");
}

function printArguments(args: readonly Argument[] | undefined): string {
  if (!args || args.length === 0) {
    return "";
  }
  return `(${args.map((arg) => `${arg.name.value}: ${printValue(arg.value)}`).join(", ")})`;
}

function printDirectives(directives: readonly Directive[] | undefined): string[] {
  return (directives ?? []).map(
    (directive) => `@${directive.name.value}${printArguments(directive.arguments)}`,
  );
}

function printValue(value: Value): string {
  switch (value.kind) {
    case "Variable":
      return `$${nameOf(value)}`;
    case "StringValue":
      // A JSON string is a valid GraphQL string with the same value (block strings included).
      return JSON.stringify(value.value);
    case "NullValue":
      return "null";
    case "ListValue":
      return `[${(value.values ?? []).map(printValue).join(", ")}]`;
    case "ObjectValue":
      return `{${(value.fields ?? []).map((field) => `${field.name.value}: ${printValue(field.value)}`).join(", ")}}`;
    default:
      // Int, Float, Boolean and enum values are written as they are.
      return String(value.value);
  }
}

function nameOf(node: { readonly kind?: string; readonly name?: Name }): string {
  return required(node.name, `the name of a ${node.kind ?? "node"}`).value;
}

// Only a hand-built AST lacks these; printing on would send a document the API cannot parse.
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new Error(`Cannot print a GraphQL document without ${what}`);
  }
  return value;
}
