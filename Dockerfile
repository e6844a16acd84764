# Runs the same `serve` as `npm start`, listening on every interface. The steps are those of .ci/run (npm ci),
# without the test clients. Certificates live in the /app/certs volume so the root CA survives restarts.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
VOLUME ["/app/certs"]
EXPOSE 9400-9599 9400/udp
ENTRYPOINT ["npm", "start", "--"]
CMD ["--host", "0.0.0.0"]
