using System.Text.Json;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Resolution;
using Codex.Auth.Routing;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>status --verify</c>: uses the credential as a request would (the JWKS check and task registration for an agent identity,
/// <c>whoami</c> for a personal access token, a refresh when a ChatGPT token is due), then asks workspace routing discovery.
/// </summary>
internal static class StatusVerification
{
    public static async Task<Result> RunAsync(CliContext context, StatusCommand.InUse inUse, Uri chatGptBaseUrl, CancellationToken cancellationToken)
    {
        if (inUse.Mode == "apikey")
        {
            return new Result(chatGptBaseUrl) { Skipped = "API keys are sent to the OpenAI API, which has no workspace routing; nothing to verify here." };
        }

        ResolvedCredential credential;
        try
        {
            credential = new CodexCredentialResolver(context.Environment, context.Time).Resolve();
        }
        catch (CodexAuthException ex)
        {
            return new Result(chatGptBaseUrl) { Rejection = ex };
        }

        try
        {
            CodexResidency residency = Configuration.CodexConfiguration.Resolve(null, context.Environment).EnforceResidency;
            using var router = new WorkspaceRouter(
                credential.Provider,
                new WorkspaceRouterOptions { ChatGptBaseUrl = chatGptBaseUrl, EnforceResidency = residency },
                new CodexProviderContext { TimeProvider = context.Time, Environment = context.Environment });
            WorkspaceRouting routing = await router.DiscoverAsync(cancellationToken).ConfigureAwait(false);
            string? plan = inUse.Plan;
            string check;
            switch (credential.Provider)
            {
                case PersonalAccessTokenProvider pat:
                    PersonalAccessTokenInfo owner = await pat.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
                    plan = owner.PlanType ?? plan;
                    check = $"whoami: {owner.Email ?? owner.AccountId}";
                    break;
                case AgentIdentityProvider agent:
                    AgentIdentityInfo identity = await agent.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
                    plan = identity.PlanType ?? plan;
                    check = $"JWT verified against {agent.JwksUrl.GetLeftPart(UriPartial.Path)}; task registered";
                    break;
                case ChatGptTokenProvider chatGpt:
                    ChatGptSession session = await chatGpt.GetSessionAsync(cancellationToken).ConfigureAwait(false);
                    plan = session.Identity.PlanType ?? plan;
                    check = "access token accepted";
                    break;
                default:
                    check = "accepted";
                    break;
            }

            return new Result(chatGptBaseUrl) { Routing = routing, Plan = plan, Check = check, Source = credential.Source };
        }
        catch (CodexAuthException ex)
        {
            return new Result(chatGptBaseUrl) { Rejection = ex, Source = credential.Source };
        }
        finally
        {
            (credential.Provider as IDisposable)?.Dispose();
        }
    }

    internal sealed record Result(Uri ChatGptBaseUrl)
    {
        public WorkspaceRouting? Routing { get; init; }

        public string? Plan { get; init; }

        public string? Check { get; init; }

        public string? Source { get; init; }

        public string? Skipped { get; init; }

        public CodexAuthException? Rejection { get; init; }

        public void WriteJson(Utf8JsonWriter w)
        {
            w.WriteStartObject("verify");
            w.WriteString("server", ChatGptBaseUrl.AbsoluteUri);
            if (Skipped is not null)
            {
                w.WriteNull("accepted");
                w.WriteString("skipped", Skipped);
            }
            else
            {
                w.WriteBoolean("accepted", Rejection is null);
            }

            Nullable(w, "check", Check);
            Nullable(w, "plan", Plan);
            Nullable(w, "account_id", Routing?.AccountId);
            Nullable(w, "backend_origin", Routing?.BackendOrigin.GetLeftPart(UriPartial.Authority));
            if (Routing is null)
            {
                w.WriteNull("origin_discovered");
            }
            else
            {
                w.WriteBoolean("origin_discovered", Routing.IsOriginDiscovered);
            }

            Nullable(w, "routing_override", Routing?.RoutingOverride);
            Nullable(w, "failure_reason", Rejection?.Reason.ToString());
            Nullable(w, "error", Rejection is null ? null : CodexAuthApp.OneLine(Rejection.Message));
            Nullable(w, "fix", Rejection?.Remediation);
            w.WriteEndObject();
        }

        public async Task WriteTextAsync(TextWriter o)
        {
            await o.WriteLineAsync($"Asked {ChatGptBaseUrl.AbsoluteUri}:").ConfigureAwait(false);
            if (Skipped is not null)
            {
                await o.WriteLineAsync("  " + Skipped).ConfigureAwait(false);
                return;
            }

            if (Rejection is { } rejected)
            {
                await o.WriteLineAsync($"  {"Credential:",-16}REJECTED ({rejected.Reason})").ConfigureAwait(false);
                await o.WriteLineAsync($"  {"Fix:",-16}{rejected.Remediation}").ConfigureAwait(false);
                return;
            }

            await o.WriteLineAsync($"  {"Credential:",-16}accepted ({Check})").ConfigureAwait(false);
            await o.WriteLineAsync($"  {"Workspace:",-16}{Routing!.AccountId}").ConfigureAwait(false);
            if (Plan is not null)
            {
                await o.WriteLineAsync($"  {"Plan:",-16}{Plan}").ConfigureAwait(false);
            }

            await o.WriteLineAsync($"  {"Model calls:",-16}{Routing.BackendOrigin.GetLeftPart(UriPartial.Authority)}{(Routing.IsOriginDiscovered ? " (workspace origin)" : " (NO_CONSTRAINT: chatgpt_base_url)")}").ConfigureAwait(false);
            await o.WriteLineAsync($"  {"Routing:",-16}{(Routing.IsConstrained ? "x-openai-account-routing-override: " + Routing.RoutingOverride : "NO_CONSTRAINT (no override header)")}").ConfigureAwait(false);
        }

        private static void Nullable(Utf8JsonWriter w, string name, string? value)
        {
            if (value is null)
            {
                w.WriteNull(name);
            }
            else
            {
                w.WriteString(name, value);
            }
        }
    }
}
