namespace FlowForensics.Host;

/// <summary>What to run, parsed from the command line in pwsh's spirit (-Command, -File, stdin, REPL).</summary>
internal sealed class HostArguments
{
    public const string Usage = """
        flowforensics - PowerShell with the FlowForensics module, for machines without pwsh

        Usage:
          flowforensics -Command '<script>'      run a script text (the rest of the line is the script)
          flowforensics -Command -               read the script from stdin
          flowforensics -File <script.ps1> [args] run a script file; -Name value arguments bind to its parameters
          flowforensics < script.ps1             run a script from redirected stdin
          flowforensics                          interactive prompt (PS>); 'exit' leaves
          flowforensics -Help                    this text

        The module is imported from Modules/FlowForensics next to this program, else from the repository's
        out/FlowForensics; the environment variable FLOWFORENSICS_MODULE (a .psd1 path) overrides both.
        Only the engine's core cmdlets exist here (Where-Object, ForEach-Object, Get-Command, Get-Help ...);
        use .Where({}), [Linq.Enumerable] and the module's own cmdlets instead of Sort-Object or Export-Csv.
        Exit code: 0 on success, 1 when any error was written (or the code given to 'exit').
        """;

    public HostMode Mode { get; private init; }

    public string? Command { get; private init; }

    public string? File { get; private init; }

    public IReadOnlyList<string> FileArguments { get; private init; } = [];

    /// <summary>Parses the arguments; a bad command line yields <see cref="HostMode.Invalid"/> with <see cref="Error"/>.</summary>
    public string? Error { get; private init; }

    public static HostArguments Parse(IReadOnlyList<string> args, bool stdinRedirected)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (Is(a, "Help", "h", "?"))
            {
                return new HostArguments { Mode = HostMode.Help };
            }

            if (Is(a, "NoProfile", "nop", "NoLogo", "NonInteractive"))
            {
                continue;
            }

            if (Is(a, "Command", "c"))
            {
                if (i + 1 >= args.Count)
                {
                    return Invalid("-Command needs a script text (or - for stdin).");
                }

                string text = string.Join(' ', args.Skip(i + 1));
                return text == "-"
                    ? new HostArguments { Mode = HostMode.Stdin }
                    : new HostArguments { Mode = HostMode.Command, Command = text };
            }

            if (Is(a, "File", "f"))
            {
                if (i + 1 >= args.Count)
                {
                    return Invalid("-File needs a script path.");
                }

                return new HostArguments { Mode = HostMode.File, File = args[i + 1], FileArguments = [.. args.Skip(i + 2)] };
            }

            if (a.StartsWith('-'))
            {
                return Invalid($"Unknown option '{a}'.");
            }

            // Like pwsh: a first bare argument is a script file.
            return new HostArguments { Mode = HostMode.File, File = a, FileArguments = [.. args.Skip(i + 1)] };
        }

        return new HostArguments { Mode = stdinRedirected ? HostMode.Stdin : HostMode.Repl };
    }

    private static HostArguments Invalid(string message) => new() { Mode = HostMode.Invalid, Error = message };

    private static bool Is(string arg, params string[] names)
    {
        if (arg.Length < 2 || (arg[0] != '-' && arg[0] != '/'))
        {
            return false;
        }

        string name = arg.TrimStart('-', '/');
        return names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
    }
}

internal enum HostMode
{
    Invalid,
    Help,
    Command,
    File,
    Stdin,
    Repl,
}
