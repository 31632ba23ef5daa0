using System.Diagnostics.Metrics;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests.Hardening;

/// <summary>An agent must not be able to make the host refresh at will by provoking upstream 401s.</summary>
public sealed class RecoveryBoundTests
{
    [Fact]
    public async Task Twenty_upstream_401s_cost_one_host_refresh_per_interval_and_the_rest_are_counted()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        var outcomes = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Codex.Auth" && instrument.Name == CodexAuthProxyTelemetry.RecoveriesInstrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "codex.auth.outcome")
                {
                    lock (outcomes)
                    {
                        outcomes.Add((string)tag.Value!);
                    }
                }
            }
        });
        listener.Start();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));
        HttpClient client = fx.Client(proxy);

        // Every model call is rejected: the agent's doing (any endpoint that answers 401 will do).
        upstream.Status = 401;
        for (int i = 0; i < 20; i++)
        {
            using HttpResponseMessage response = await client.GetAsync("backend-api/codex/models");
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(1, fx.Server.TokenRefreshCount);
        lock (outcomes)
        {
            Assert.Equal(19, outcomes.Count(o => o is "rate_limited" or "not_current"));
            Assert.Equal(20, outcomes.Count);
            Assert.Equal("recovered", outcomes[0]);
        }

        // After the interval, a 401 on the credential in use may renew it once more.
        fx.Time.Advance(TimeSpan.FromMinutes(6));
        for (int i = 0; i < 3; i++)
        {
            (await client.GetAsync("backend-api/codex/models")).Dispose();
        }

        Assert.Equal(2, fx.Server.TokenRefreshCount);
        upstream.Status = 200;
        using HttpResponseMessage ok = await client.GetAsync("backend-api/codex/models");
        Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
    }
}
