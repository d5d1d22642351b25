# ddigest as an image, for CI systems that run images (GitLab CI, Tekton,
# Drone, Argo): the static binary (--target *-unknown-linux-musl) and a CA
# bundle, nothing else. The build context holds linux-<arch>/ddigest and
# ca-certificates.crt, as the release workflow and tests/container.rs lay
# it out. SOURCE is the repository's URL, given by the release workflow.
FROM scratch
ARG TARGETARCH=amd64
ARG VERSION=0.1.0
ARG SOURCE=
COPY linux-${TARGETARCH}/ddigest /ddigest
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
LABEL org.opencontainers.image.title="ddigest" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/ddigest"]
