# Tenancy Scale service image: the compiled JavaScript (npm run build), no TypeScript loader.

# Build: the full install generates the Prisma client and builds the web app into web/dist
# (postinstall), then tsc compiles src/ (the generated client included) into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY web ./web
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build

# Run: production dependencies only (no scripts: the client is already compiled into dist/).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    TENANCY_DATA_DIR=/data \
    PORT=4000
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY schema.graphql ./
COPY prisma/migrations ./prisma/migrations
COPY bin ./bin
COPY examples ./examples

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node runs as PID 1: `docker stop` sends SIGTERM straight to it (no npm or
# shell in between), and the service drains, closes the database and exits 0.
ENTRYPOINT ["node", "bin/tenancy.mjs"]
CMD ["serve"]
