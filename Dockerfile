# Tenancy Scale service image. Runs the TypeScript sources through tsx (no build step).
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    TENANCY_DATA_DIR=/data \
    PORT=4000

COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
# The full install generates the Prisma client (postinstall); then the dev tools go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

COPY schema.graphql ./
COPY bin ./bin
COPY src ./src
COPY examples ./examples

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/tenancy.mjs"]
CMD ["serve"]
