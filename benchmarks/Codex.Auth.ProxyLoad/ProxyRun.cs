namespace Codex.Auth.ProxyLoad;

/// <summary>One codex-auth build's measurements in one round.</summary>
internal sealed class ProxyRun
{
    public LoadResult Load { get; set; } = null!;

    public TimeSpan Ready { get; set; }

    public long IdleRss { get; set; }

    public long IdlePss { get; set; }

    public long Rss { get; set; }

    public long Pss { get; set; }

    public double LogLinesPerRequest { get; set; }

    public int ExitCode { get; set; }
}
