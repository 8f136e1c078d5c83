import { type Column, getTableColumns, type SQL, sql, type Table } from "drizzle-orm";
import { CasingCache } from "drizzle-orm/casing";
import type { Db } from "../db/database";

// The database names of columns, as the database handle's snake_case casing writes them.
const casing = new CasingCache("snake_case");

/** A column's name in the database. */
export function columnName(column: Column): string {
  return casing.getColumnCasing(column);
}

/** A value as its column sends it to Postgres (what drizzle's own statements would bind); null stays null. */
export function driverValue(column: Column, value: unknown): unknown {
  return value === null || value === undefined ? null : column.mapToDriverValue(value);
}

/** One column of many rows as a single array parameter, cast to an array of the column's type. */
export function columnArray(values: readonly unknown[], sqlType: string): SQL {
  return sql`${sql.param(values)}::${sql.raw(sqlType)}[]`;
}

/**
 * Inserts rows as `INSERT … SELECT * FROM unnest(…)`: one array parameter per
 * column whatever the number of rows. A multi-row VALUES list binds a
 * parameter per cell, and building it (drizzle walks every value) was a
 * sweep's largest database cost in CPU; the arrays keep the statement the
 * size of its columns, and far below Postgres's 65,535 parameters at any
 * batch size. Every row must carry the same keys (the columns written; the
 * others take their defaults); nothing is answered back.
 */
export async function insertByColumns<T extends Table>(
  db: Db,
  table: T,
  rows: readonly Partial<Record<keyof T["_"]["columns"] & string, unknown>>[],
): Promise<void> {
  const [first] = rows;
  if (first === undefined) {
    return;
  }
  const columns: Record<string, Column> = getTableColumns(table);
  const keys = Object.keys(first).filter((key) => columns[key] !== undefined);
  const written = keys.map((key) => {
    const column = columns[key];
    if (column === undefined) {
      throw new RangeError(`no column ${key}`);
    }
    return { key, column };
  });
  const names = sql.join(
    written.map(({ column }) => sql.identifier(columnName(column))),
    sql`, `,
  );
  const arrays = sql.join(
    written.map(({ key, column }) =>
      columnArray(
        rows.map((row) => driverValue(column, (row as Record<string, unknown>)[key])),
        column.getSQLType(),
      ),
    ),
    sql`, `,
  );
  await db.execute(sql`insert into ${table} (${names}) select * from unnest(${arrays})`);
}
