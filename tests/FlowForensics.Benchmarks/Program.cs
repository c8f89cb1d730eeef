using BenchmarkDotNet.Running;

namespace FlowForensics.Benchmarks;

/// <summary>
/// BenchmarkDotNet micro-benchmarks (<c>dotnet run -c Release -- --filter '*'</c>) and the side-by-side runs
/// against nfdump's tools (<c>dotnet run -c Release -- sidebyside ...</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "sidebyside")
            return SideBySide.NfdumpComparison.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
