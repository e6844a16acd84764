# badorigin farm image. No Docker engine runs on our machines, so this file is not built in CI: its steps are the
# ones .ci/run and the package test run (npm ci, npm run build, the packaged bin), kept in the same order.
# Build:  docker build -t badorigin .
# Run:    docker run -p 9399-9599:9399-9599 -p 9400:9400/udp -v badorigin-certs:/certs badorigin
#         (every option also as BADORIGIN_* environment variable, e.g. -e BADORIGIN_HOSTNAME=origin.example.com)

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY src ./src
COPY scripts/build.ts ./scripts/build.ts
COPY schema ./schema
COPY scenarios ./scenarios
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY scenarios ./scenarios
COPY schema ./schema
COPY dashboard ./dashboard
RUN mkdir -p /certs && chown node:node /certs
USER node
VOLUME ["/certs"]
# 9399: control API and dashboard; 9400: DNS (UDP and TCP); 9401-9599: the listeners.
EXPOSE 9399-9599 9400/udp
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9399/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/badorigin.js", "serve", "--certs-dir", "/certs", "--host", "0.0.0.0"]
