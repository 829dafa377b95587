# Builds the Trickle service image used by compose.yaml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY .mvn .mvn
COPY src src
RUN mvn -q -B -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/trickle.jar /app/trickle.jar
COPY --from=build /src/target/lib /app/lib
COPY pipelines /app/pipelines
EXPOSE 8765
ENTRYPOINT ["java", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/trickle.jar"]
CMD ["run", "--config", "/app/pipelines/demo.yaml", "--http", "0.0.0.0:8765"]
