# One image for every service: `docker run IMAGE gateway|streams|worker|standalone|ops …`.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app pipeline && mkdir -p /data && chown pipeline /data
WORKDIR /app
COPY --from=build /src/bin bin
COPY --from=build /src/standalone/target/standalone.jar standalone/target/standalone.jar
COPY --from=build /src/standalone/target/lib standalone/target/lib
COPY --from=build /src/ops/target/ops.jar ops/target/ops.jar
COPY --from=build /src/ops/target/lib ops/target/lib
USER pipeline
ENV DATA_DIR=/data HTTP_PORT=8080
EXPOSE 8080
ENTRYPOINT ["bin/pipeline"]
CMD ["standalone"]
