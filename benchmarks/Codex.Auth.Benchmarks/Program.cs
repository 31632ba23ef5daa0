using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Codex.Auth.Benchmarks;

// A short job by default (a few minutes for the whole suite on two cores); `--job …` on the command line replaces it.
bool jobOnCommandLine = args.Any(a => a is "--job" or "-j");
IConfig config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
if (!jobOnCommandLine)
{
    config = config.AddJob(Job.Default.WithId("Short").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
}

string countFile = Path.Combine(Path.GetTempPath(), $"codex-auth-bench-token-requests-{Environment.ProcessId}.txt");
File.Delete(countFile);
Environment.SetEnvironmentVariable(ConcurrencyBenchmarks.CountFileVariable, countFile);

Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
if (summaries.Length == 0)
{
    return 0; // --list, --help, or nothing matched the filter.
}

IReadOnlyList<int>? tokenRequests = File.Exists(countFile)
    ? File.ReadAllText(countFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()
    : null;
File.Delete(countFile);

TargetReport report = TargetReport.Evaluate(summaries, tokenRequests);
Console.WriteLine();
Console.WriteLine(report.Text);
string resultsDirectory = summaries[0].ResultsDirectoryPath;
Directory.CreateDirectory(resultsDirectory);
File.WriteAllText(Path.Combine(resultsDirectory, "targets.md"), report.Markdown);
Console.WriteLine($"Targets written to {Path.Combine(resultsDirectory, "targets.md")}");
return report.Failed ? 1 : 0;
