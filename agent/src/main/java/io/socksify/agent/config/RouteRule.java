package io.socksify.agent.config;

/**
 * One rule of the route table: destinations matching {@code patterns} (the {@code bypass} syntax) go {@code via}.
 *
 * @param text how the rule is shown: {@code routes rule 2 (*.corp->socks5://bastion:1080)} or {@code bypass localhost}
 */
public record RouteRule(Bypass patterns, Via via, String text) {
    @Override
    public String toString() {
        return text;
    }
}
