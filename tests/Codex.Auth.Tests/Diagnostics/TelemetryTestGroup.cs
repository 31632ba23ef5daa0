namespace Codex.Auth.Tests.Diagnostics;

/// <summary>
/// Tests that attach process-wide listeners (ActivityListener, MeterListener) or measure the cost of having none run
/// alone, so that they neither see nor disturb other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryTestGroup
{
    public const string Name = "Telemetry (not parallel)";
}
