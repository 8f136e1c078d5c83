/** A minimal XML writer for EC2 responses: elements, text, and `<item>` lists. */

export type XmlNode = string | number | boolean | null | undefined | XmlElement | readonly XmlNode[];

export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlNode[];
}

export function el(name: string, ...children: XmlNode[]): XmlElement {
  return { name, children };
}

/** `<name><item>..</item>...</name>`, the shape EC2 gives every list. */
export function itemSet<T>(name: string, items: readonly T[], render: (item: T) => XmlNode[]): XmlElement {
  return el(
    name,
    items.map((item) => el("item", ...render(item))),
  );
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => {
    switch (char) {
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case "&":
        return "&amp;";
      case "'":
        return "&apos;";
      default:
        return "&quot;";
    }
  });
}

export function renderXml(node: XmlNode, out: string[] = []): string[] {
  if (node === null || node === undefined) {
    return out;
  }
  if (Array.isArray(node)) {
    for (const child of node as readonly XmlNode[]) {
      renderXml(child, out);
    }
    return out;
  }
  if (typeof node === "object") {
    const element = node as XmlElement;
    out.push(`<${element.name}>`);
    for (const child of element.children) {
      renderXml(child, out);
    }
    out.push(`</${element.name}>`);
    return out;
  }
  out.push(escapeXml(String(node)));
  return out;
}

export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

export function ec2Response(action: string, requestId: string, ...body: XmlNode[]): string {
  const inner = renderXml([el("requestId", requestId), body]).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">${inner}</${action}Response>`;
}

export function ec2ErrorResponse(code: string, message: string, requestId: string): string {
  const inner = renderXml(
    el(
      "Response",
      el("Errors", el("Error", el("Code", code), el("Message", message))),
      el("RequestID", requestId),
    ),
  ).join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${inner}`;
}
