"""Synthetic orders for bench/grid.py: shops x orders with line items and supplier orders.

PostgreSQL is filled by INSERT ... SELECT generate_series (all in the server, ~1 min for 1M
orders); SQLite gets the same rows copied from PostgreSQL, so both engines answer the same
data. Values are deterministic (hashes of the row number), shaped like a real store:

- 10 shops, orders interleaved on disk (shop = row % 10) as when many shops write at once;
- 8 suppliers per shop (portal, store, manual); 400 SKUs in 20 product families, each family
  shipped by one supplier, one family unmapped (its items land in an "unassigned" split);
- 1-4 line items per order, popular SKUs more frequent; ~1.8 supplier orders per order;
- two years of orders; old supplier orders mostly shipped, recent ones spread over the
  statuses, a few requested/in progress with no tracking for weeks (the "late" ones);
- 60 first names x 100 surnames, so a surname search matches ~1% of a shop's orders.
"""

# ruff: noqa: S608  (SQL built from this module's constants, never from input)
from __future__ import annotations

import sqlite3

import psycopg

SHOPS = 10
SUPPLIERS = [
    ("Mug Co", "portal", None),
    ("Lamp Works", "manual", "https://lamps.example"),
    ("Textile House", "store", None),
    ("Paper & Ink", "manual", "https://paper-ink.example"),
    ("Ceramica Nord", "portal", None),
    ("Green Leaf Goods", "store", None),
    ("Budapest Brass", "manual", "https://brass.example"),
    ("Atelier Lumière", "portal", None),
]
FAMILIES = [
    ("MUG-STN", "Stoneware mug"),
    ("BRS-LAMP", "Brass lamp"),
    ("TOTE-REC", "Recycled tote"),
    ("NOTE-A5", "A5 notebook"),
    ("BOWL-CER", "Ceramic bowl"),
    ("PLNT-POT", "Plant pot"),
    ("CNDL-BRS", "Brass candle holder"),
    ("SHADE-LIN", "Linen shade"),
    ("CUP-ESP", "Espresso cup"),
    ("DESK-LMP", "Desk lamp"),
    ("SCRF-WOL", "Wool scarf"),
    ("CARD-SET", "Card set"),
    ("VASE-GLZ", "Glazed vase"),
    ("SEED-KIT", "Seed kit"),
    ("HOOK-BRS", "Brass hook"),
    ("PRNT-A3", "A3 print"),
    ("PLAT-DIN", "Dinner plate"),
    ("BAG-CNV", "Canvas bag"),
    ("PEN-FNT", "Fountain pen"),
    ("GIFT-CRD", "Gift wrap"),  # unmapped: its items stay unassigned
]
FIRST_NAMES = (  # noqa: SIM905 (a word list reads better as words)
    "Anna Bence Camille Daniel Emma Felix Gabor Hanna Ivan Julia Kata Lucas Marie Noah "
    "Olivia Peter Quentin Reka Sofia Tamas Ursula Victor Wanda Xavier Yasmin Zoltan Adam "
    "Bella Chloe David Eszter Fanni Greta Hugo Ines Jakob Kevin Lea Mate Nora Oscar Paula "
    "Rosa Simon Teo Vera Will Zsofi Alice Bruno Clara Dora Eric Flora Gergo Ida Jon Kira "
    "Levente Mila"
).split()
SURNAMES = (  # noqa: SIM905 (a word list reads better as words)
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Martin Bernard Dubois Thomas "
    "Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Nagy Kovacs "
    "Toth Szabo Horvath Varga Kiss Molnar Nemeth Farkas Balogh Papp Takacs Juhasz Lakatos "
    "Meszaros Olah Simon Racz Fekete Muller Schmidt Schneider Fischer Weber Meyer Wagner "
    "Becker Schulz Hoffmann Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci "
    "Marino Greco Silva Santos Costa Oliveira Pereira Rodrigues Novak Kowalski Nowak "
    "Wisniewski Jansen Visser Bakker Janssen Peeters Maes Hansen Nielsen Larsen Andersen "
    "Berg Lindqvist Virtanen Korhonen Murphy Kelly Walsh Byrne Ryan Doyle Clarke Lewis "
    "Walker Young Allen King Wright Scott"
).split()
STORE_STATUSES_RECENT = [
    "UNFULFILLED",
    "UNFULFILLED",
    "IN_PROGRESS",
    "PARTIALLY_FULFILLED",
    "ON_HOLD",
    "FULFILLED",
]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def fill_postgresql(conn: psycopg.Connection, orders: int) -> None:
    """Fill an empty schema (made by db.create_all) with `orders` orders over SHOPS shops."""
    per_shop = orders // SHOPS
    # A 32-bit hash of (row, salt) in [0, 1): stable, fast, good enough for spreading values.
    conn.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.u(i bigint, salt int) RETURNS float8"
        " LANGUAGE sql IMMUTABLE AS $$ SELECT (hashint8(i * 1000 + salt)::bigint"
        " + 2147483648) / 4294967296.0 $$"
    )
    conn.execute(
        "INSERT INTO shops (id, domain, name, currency, access_token_encrypted, scopes,"
        " installed_at, settings, created_at)"
        " SELECT s, 'bench-' || s || '.myshopify.com', 'Bench shop ' || s, 'USD',"
        " 'not-a-real-token', 'read_orders', now(), '{}'::json, now()"
        f" FROM generate_series(1, {SHOPS}) s"
    )
    supplier_rows = ",".join(
        f"({j + 1}, '{name}', '{channel}', " + (f"'{url}')" if url else "NULL)")
        for j, (name, channel, url) in enumerate(SUPPLIERS)
    )
    conn.execute(
        "INSERT INTO suppliers (id, shop_id, name, channel, place_mode, pay_mode, website_url,"
        " currency, portal_key, created_at)"
        f" SELECT (s - 1) * {len(SUPPLIERS)} + v.slot, s, v.name, v.channel, 'manual', 'manual',"
        " v.url, 'USD', md5(s || v.name), now()"
        f" FROM generate_series(1, {SHOPS}) s, (VALUES {supplier_rows}) v(slot, name, channel, url)"
    )
    conn.execute(
        "CREATE TEMP TABLE bench_skus AS SELECT k,"
        f" ({_array([f for f, _ in FAMILIES])})[k % 20 + 1] || '-' || lpad((k / 20)::text, 3, '0')"
        " AS sku,"
        f" ({_array([t for _, t in FAMILIES])})[k % 20 + 1] AS title,"
        f" CASE WHEN k % 20 = 19 THEN NULL ELSE k % 20 % {len(SUPPLIERS)} + 1 END AS slot,"
        " round((4 + 60 * pg_temp.u(k, 1))::numeric, 2) AS price"
        " FROM generate_series(0, 399) k"
    )
    # Lines: 1-4 per order (40/30/20/10 %), popular SKUs (low k) more often.
    conn.execute(
        "CREATE TEMP TABLE bench_lines AS"
        " SELECT i, n, k.k, k.sku, k.title, k.slot, k.price,"
        " 1 + floor(3 * pg_temp.u(i * 8 + n, 3))::int AS qty"
        f" FROM generate_series(1, {per_shop * SHOPS}) i"
        " CROSS JOIN LATERAL generate_series(1, CASE WHEN pg_temp.u(i, 2) < 0.4 THEN 1"
        " WHEN pg_temp.u(i, 2) < 0.7 THEN 2 WHEN pg_temp.u(i, 2) < 0.9 THEN 3 ELSE 4 END) n"
        " JOIN bench_skus k ON k.k = floor(400 * pg_temp.u(i * 8 + n, 4) ^ 2)::int"
    )
    conn.execute("CREATE INDEX ON bench_lines (i)")
    # Order i belongs to shop (i - 1) % SHOPS + 1 and is that shop's order number seq; the
    # newest order (seq = per_shop) is a few minutes old, the oldest two years.
    conn.execute(
        "INSERT INTO orders (id, shop_id, shopify_gid, name, created_at, shopify_updated_at,"
        " financial_status, store_status, currency, total, customer_name, customer_email,"
        " shipping_address, search_text, synced_at)"
        " SELECT i, shop_id, 'gid://shopify/Order/' || (5000000000 + i), name, created_at,"
        " created_at + interval '1 hour', financial_status,"
        " CASE WHEN created_at > now() - interval '21 days'"
        f"  THEN ({_array(STORE_STATUSES_RECENT)})[1 + floor(6 * pg_temp.u(i, 7))::int]"
        "  WHEN pg_temp.u(i, 7) < 0.95 THEN 'FULFILLED' ELSE 'UNFULFILLED' END,"
        " 'USD', lines.total, first || ' ' || last, email,"
        " json_build_object('name', first || ' ' || last, 'address1', (i % 200 + 1) || ' Main St',"
        "  'city', 'Springfield', 'zip', lpad((i % 99999)::text, 5, '0'), 'country', 'US'),"
        " lower(name || ' ' || first || ' ' || last || ' ' || email || ' ' || lines.skus),"
        " created_at + interval '1 hour'"
        " FROM (SELECT i, (i - 1) % 10 + 1 AS shop_id, '#' || (1000 + (i - 1) / 10 + 1) AS name,"
        f"  now() - interval '2 minutes' - (({per_shop} - (i - 1) / 10 - 1)"
        f"   * interval '730 days' / {per_shop}) AS created_at,"
        "  CASE WHEN pg_temp.u(i, 8) < 0.93 THEN 'PAID' WHEN pg_temp.u(i, 8) < 0.97 THEN 'PENDING'"
        "   ELSE 'REFUNDED' END AS financial_status,"
        f"  ({_array(FIRST_NAMES)})[1 + floor({len(FIRST_NAMES)} * pg_temp.u(i, 5))::int] AS first,"
        f"  ({_array(SURNAMES)})[1 + floor({len(SURNAMES)} * pg_temp.u(i, 6))::int] AS last,"
        f"  ({_array(['gmail.com', 'example.com', 'mail.hu', 'orange.fr'])})"
        "   [1 + i % 4] AS domain"
        f"  FROM generate_series(1, {per_shop * SHOPS}) i) o"
        " CROSS JOIN LATERAL (SELECT lower(first || '.' || last) || (i % 97) || '@' || domain"
        "  AS email) e"
        " JOIN (SELECT i, sum(qty * price) AS total, string_agg(sku, ' ' ORDER BY n) AS skus"
        "  FROM bench_lines GROUP BY i) lines USING (i)"
    )
    conn.execute(
        "INSERT INTO line_items (id, order_id, shopify_gid, sku, title, variant_title, quantity,"
        " unit_price, supplier_id)"
        " SELECT row_number() OVER (ORDER BY l.i, l.n), l.i,"
        " 'gid://shopify/LineItem/' || (l.i * 10 + l.n), l.sku, l.title, NULL, l.qty, l.price,"
        f" CASE WHEN l.slot IS NULL THEN NULL ELSE (o.shop_id - 1) * {len(SUPPLIERS)} + l.slot END"
        " FROM bench_lines l JOIN orders o ON o.id = l.i"
    )
    # One supplier order per (order, supplier); its status follows the order's age.
    conn.execute(
        "INSERT INTO supplier_orders (id, order_id, shop_id, supplier_id, status,"
        " status_changed_at, tracking_count)"
        " SELECT row_number() OVER (ORDER BY order_id, supplier_id), order_id, shop_id,"
        " supplier_id, status, least(now(), created_at + r * interval '72 hours'),"
        " CASE WHEN status IN ('shipped', 'partially_shipped') THEN 1 ELSE 0 END"
        " FROM (SELECT s.*, CASE"
        "  WHEN supplier_id IS NULL THEN 'unassigned'"
        "  WHEN age > 21 THEN CASE WHEN r < 0.92 THEN 'shipped' WHEN r < 0.97 THEN 'cancelled'"
        "   WHEN r < 0.98 THEN 'declined' WHEN r < 0.99 THEN 'in_progress' ELSE 'requested' END"
        "  WHEN age > 7 THEN CASE WHEN r < 0.60 THEN 'shipped' WHEN r < 0.70"
        "   THEN 'partially_shipped' WHEN r < 0.85 THEN 'in_progress' WHEN r < 0.95"
        "   THEN 'requested'"
        "   WHEN r < 0.97 THEN 'cancellation_requested' ELSE 'cancelled' END"
        "  ELSE CASE WHEN r < 0.20 THEN 'ready' WHEN r < 0.25 THEN 'scheduled' WHEN r < 0.35"
        "   THEN 'awaiting_payment' WHEN r < 0.40 THEN 'on_hold' WHEN r < 0.65 THEN 'requested'"
        "   WHEN r < 0.85 THEN 'in_progress' WHEN r < 0.90 THEN 'partially_shipped'"
        "   ELSE 'shipped' END END AS status"
        "  FROM (SELECT DISTINCT li.order_id, o.shop_id, li.supplier_id, o.created_at,"
        "   extract(epoch FROM now() - o.created_at) / 86400 AS age,"
        "   pg_temp.u(li.order_id * 10 + coalesce(li.supplier_id, 0) % 10, 9) AS r"
        "   FROM line_items li JOIN orders o ON o.id = li.order_id) s) t"
    )
    for table in ("shops", "suppliers", "orders", "line_items", "supplier_orders"):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    conn.execute("DROP TABLE bench_lines")
    conn.execute("DROP TABLE bench_skus")


COPIED_TABLES = ("shops", "suppliers", "orders", "line_items", "supplier_orders")


def copy_to_sqlite(source: psycopg.Connection, target: sqlite3.Connection, orders: int) -> None:
    """Stream the bench rows of the first `orders` orders (all shops, interleaved) from
    PostgreSQL into SQLite (tables already created)."""
    limits = {"orders": "id", "line_items": "order_id", "supplier_orders": "order_id"}
    for table in COPIED_TABLES:
        columns = [
            (name, data_type)
            for name, data_type in source.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
        # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC here).
        select_list = ", ".join(
            f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
            if data_type.startswith("timestamp")
            else f"{name}::text"
            if data_type in ("json", "numeric")
            else name
            for name, data_type in columns
        )
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" for _ in columns)
        with source.cursor(name=f"copy_{table}") as cursor:
            cursor.itersize = 20_000
            where = f"WHERE {limits[table]} <= {int(orders)}" if table in limits else ""
            cursor.execute(f"SELECT {select_list} FROM {table} {where} ORDER BY id")
            while rows := cursor.fetchmany(20_000):
                target.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        target.commit()
