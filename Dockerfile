# The cmdbgen image: the release binary, the scripts and the example
# profiles, run as a non-root user. Built by `make image` (IMAGE=cmdbgen:0.1.0);
# used by the `cmdbgen` service of docker-compose.yml and by
# docs/k8s/indexed-job.yaml. Neo4j itself is not in it (docker-compose.yml
# runs the official neo4j image).
#
#   docker build -t cmdbgen:0.1.0 .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/out:/out" cmdbgen:0.1.0 generate --profile small --out /out/small

# Build stage: the same command as `make build`, from the locked dependencies.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

# Runtime stage: a small Debian with what the scripts call (bash, python3 for
# scripts/ops.py, coreutils, awk).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /opt/cmdbgen --shell /usr/sbin/nologin cmdbgen \
    && mkdir -p /out && chown 10001:10001 /out
COPY --from=build /src/target/release/cmdbgen /usr/local/bin/cmdbgen
# Under /opt/cmdbgen the README's relative paths work: scripts/import.sh,
# fixtures/profiles/acme.toml.
COPY scripts /opt/cmdbgen/scripts
COPY fixtures/profiles /opt/cmdbgen/fixtures/profiles
COPY docker-compose.yml /opt/cmdbgen/docker-compose.yml
WORKDIR /opt/cmdbgen
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
VOLUME ["/out"]
ENTRYPOINT ["cmdbgen"]
CMD ["--help"]
