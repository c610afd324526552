# techmarket: multi-stage build of the release binary on Debian bookworm.
#   docker build -t techmarket .
#   docker run -p 8080:8080 -v techmarket-data:/data -e TECHMARKET_JWT_SECRET=... techmarket
# Without DATABASE_URL the app keeps a SQLite file in /data; see docker-compose.yml for PostgreSQL.

# ---------------------------------------------------------------------------- build
FROM rust:1-bookworm AS builder
WORKDIR /build

# Dependencies first, against placeholder sources, so that this layer stays cached
# until Cargo.toml or Cargo.lock change (.cargo/config.toml sets the bundled SQLite's flags).
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The real sources (data/regions.csv and migrations/ are embedded at compile time).
COPY . .
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -m 0755 target/release/techmarket /usr/local/bin/techmarket

# ---------------------------------------------------------------------------- runtime
FROM debian:bookworm-slim

# libssl3: libpq (bundled, statically linked) uses the system OpenSSL for TLS to PostgreSQL.
# curl: used by HEALTHCHECK.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 techmarket \
    && useradd --system --uid 10001 --gid techmarket --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin techmarket \
    && mkdir -p /data \
    && chown techmarket:techmarket /data \
    && chmod 0750 /data

COPY --from=builder /usr/local/bin/techmarket /usr/local/bin/techmarket
# The sentence encoder's weights (assets/meaning/README.md), read at startup.
COPY --from=builder /build/assets/meaning/use-multilingual-v3.bin /usr/local/share/techmarket/

ENV TECHMARKET_DATA_DIR=/data \
    TECHMARKET_BIND=0.0.0.0:8080 \
    TECHMARKET_MEANING_MODEL=/usr/local/share/techmarket/use-multilingual-v3.bin

USER techmarket
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1

ENTRYPOINT ["/usr/local/bin/techmarket"]
CMD ["serve"]
