using System.Globalization;

namespace Codex.Auth.ProxyLoad;

/// <summary>Command-line settings of the load run.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        usage: proxy-load --cli [LABEL=]PATH [--cli [LABEL=]PATH]... [--rounds 3] [--connections 32] [--duration 8] [--warmup 2] [--threads 2]
                          [--generator auto|wrk|dotnet] [--upstream auto|nginx|kestrel] [--no-nginx-proxy]
                          [--proxy-arg ARG]... [--env NAME=VALUE]... [--label TEXT] [--out FILE]
        """;

    /// <summary>The codex-auth builds to measure, by label (apphost, native binary or codex-auth.dll).</summary>
    public List<(string Label, string Path)> Clis { get; } = [];

    public int Rounds { get; private set; } = 3;

    public int Connections { get; private set; } = 32;

    public int Threads { get; private set; } = 2;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(8);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);

    public string Generator { get; private set; } = "auto";

    public string Upstream { get; private set; } = "auto";

    public bool NginxProxy { get; private set; } = true;

    public List<string> ProxyArgs { get; } = [];

    public Dictionary<string, string> Environment { get; } = [];

    public string? Label { get; private set; }

    public string? Out { get; private set; }

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a positive number.");
            switch (args[i])
            {
                case "--cli":
                    string cli = Next();
                    int at = cli.IndexOf('=', StringComparison.Ordinal);
                    o.Clis.Add(at > 0 ? (cli[..at], Path.GetFullPath(cli[(at + 1)..])) : ("codex-auth", Path.GetFullPath(cli)));
                    break;
                case "--rounds": o.Rounds = Int(); break;
                case "--connections": o.Connections = Int(); break;
                case "--threads": o.Threads = Int(); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(Int()); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(Int()); break;
                case "--generator": o.Generator = Next(); break;
                case "--upstream": o.Upstream = Next(); break;
                case "--no-nginx-proxy": o.NginxProxy = false; break;
                case "--proxy-arg": o.ProxyArgs.Add(Next()); break;
                case "--label": o.Label = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--env":
                    string pair = Next();
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException("--env needs NAME=VALUE.");
                    }

                    o.Environment[pair[..eq]] = pair[(eq + 1)..];
                    break;
                default: throw new ArgumentException($"Unknown argument {args[i]}.");
            }
        }

        if (o.Clis.Count == 0 || o.Clis.Any(c => !File.Exists(c.Path)) || o.Clis.Select(c => c.Label).Distinct().Count() != o.Clis.Count)
        {
            throw new ArgumentException("--cli must name a built codex-auth (apphost, native binary or codex-auth.dll); labels must differ.");
        }

        if (o.Generator is not ("auto" or "wrk" or "dotnet") || o.Upstream is not ("auto" or "nginx" or "kestrel"))
        {
            throw new ArgumentException("--generator is auto, wrk or dotnet; --upstream is auto, nginx or kestrel.");
        }

        return o;
    }
}
