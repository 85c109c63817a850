# Flow HQ: a static binary on a distroless base, running as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/flowhq . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flowhq /flowhq
COPY --from=build --chown=65532:65532 /out/data /data
ENV FLOWHQ_DATA_DIR=/data \
    FLOWHQ_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/flowhq", "healthcheck"]
ENTRYPOINT ["/flowhq"]
CMD ["serve"]
