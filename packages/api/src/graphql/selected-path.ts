import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";

/**
 * Whether the operation asks, below the resolving field, for the field at
 * `path` (field names, e.g. ["edges", "node", "cost"]), through fragments
 * and inline fragments too. A field under @skip or @include counts as asked:
 * a resolver reading ahead does work that may go unused, never less.
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  return info.fieldNodes.some(
    (node) => node.selectionSet !== undefined && selectsIn(info, node.selectionSet, path),
  );
}

function selectsIn(info: GraphQLResolveInfo, set: SelectionSetNode, path: readonly string[]): boolean {
  const [name, ...rest] = path;
  if (name === undefined) {
    return true;
  }
  return set.selections.some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        return (
          selection.name.value === name &&
          (rest.length === 0 ||
            (selection.selectionSet !== undefined && selectsIn(info, selection.selectionSet, rest)))
        );
      case Kind.INLINE_FRAGMENT:
        return selectsIn(info, selection.selectionSet, path);
      case Kind.FRAGMENT_SPREAD: {
        const fragment = info.fragments[selection.name.value];
        return fragment !== undefined && selectsIn(info, fragment.selectionSet, path);
      }
      default:
        return false;
    }
  });
}
