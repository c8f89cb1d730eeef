using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace FlowForensics.Host;

/// <summary>
/// A small console that hosts the PowerShell engine with the FlowForensics module imported, for machines
/// without pwsh: -Command, -File, a script on stdin, or an interactive PS> prompt.
/// </summary>
internal static class Program
{
    private const int Success = 0;
    private const int Failure = 1;

    private static int Main(string[] args)
    {
        HostArguments parsed = HostArguments.Parse(args, Console.IsInputRedirected);
        switch (parsed.Mode)
        {
            case HostMode.Help:
                Console.Out.WriteLine(HostArguments.Usage);
                return Success;
            case HostMode.Invalid:
                Console.Error.WriteLine(parsed.Error);
                Console.Error.WriteLine("Run 'flowforensics -Help' for usage.");
                return Failure;
        }

        string? manifest = ModuleLocator.Find(out IReadOnlyList<string> searched);
        if (manifest is null)
        {
            Console.Error.WriteLine("The FlowForensics module was not found. Looked at: " + string.Join(", ", searched));
            Console.Error.WriteLine($"Build it (dotnet build FlowForensics.sln -c Release) or set {ModuleLocator.EnvironmentVariable} to its .psd1.");
            return Failure;
        }

        var host = new ConsoleHost();
        var iss = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        using Runspace runspace = RunspaceFactory.CreateRunspace(host, iss);
        runspace.Open();
        var runner = new ScriptRunner(runspace, host);
        if (!runner.Run($"Import-Module '{manifest.Replace("'", "''", StringComparison.Ordinal)}'"))
        {
            return Failure;
        }

        return parsed.Mode switch
        {
            HostMode.Command => runner.Run(parsed.Command!) ? Success : runner.ExitCode,
            HostMode.File => RunFile(runner, parsed),
            HostMode.Stdin => runner.Run(Console.In.ReadToEnd()) ? Success : runner.ExitCode,
            _ => Repl(runner),
        };
    }

    private static int RunFile(ScriptRunner runner, HostArguments parsed)
    {
        string path = Path.GetFullPath(parsed.File!);
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"The script file '{parsed.File}' does not exist.");
            return Failure;
        }

        // '-Name' stays a parameter name, every other argument is passed as a literal string.
        var script = new StringBuilder("& ").Append(Quote(path));
        foreach (string a in parsed.FileArguments)
        {
            bool isParameterName = a.Length > 1 && a[0] == '-' && char.IsLetter(a[1]) && a.Skip(1).All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or ':');
            script.Append(' ').Append(isParameterName ? a : Quote(a));
        }

        return runner.Run(script.ToString()) ? Success : runner.ExitCode;
    }

    private static int Repl(ScriptRunner runner)
    {
        int last = Success;
        while (true)
        {
            Console.Out.Write("PS> ");
            Console.Out.Flush();
            string? line = Console.In.ReadLine();
            if (line is null)
            {
                Console.Out.WriteLine();
                return last;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (string.Equals(line.Trim(), "exit", StringComparison.OrdinalIgnoreCase))
            {
                return last;
            }

            last = runner.Run(line) ? Success : runner.ExitCode;
            if (runner.ExitRequested)
            {
                return last;
            }
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>Runs script text through Out-Default with errors merged, like pwsh; Ctrl+C stops the pipeline.</summary>
internal sealed class ScriptRunner(Runspace runspace, ConsoleHost host)
{
    /// <summary>The code of the last failed run: the script's 'exit N', else 1.</summary>
    public int ExitCode { get; private set; } = 1;

    /// <summary>True when the last script called 'exit'.</summary>
    public bool ExitRequested => host.ExitCode is not null;

    /// <summary>Runs a script; true when it wrote no error and did not exit with a non-zero code.</summary>
    public bool Run(string script)
    {
        int errorsBefore = ErrorCount();
        bool failed = false;
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        ps.AddCommand("Out-Default");

        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            ps.BeginStop(null, null);
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            ps.Invoke();
        }
        catch (PipelineStoppedException)
        {
            failed = true;
        }
        catch (RuntimeException ex)
        {
            failed = true;
            Render(ex.ErrorRecord);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            Console.Out.Flush();
        }

        failed |= ps.HadErrors || ErrorCount() > errorsBefore || ps.InvocationStateInfo.State is PSInvocationState.Failed or PSInvocationState.Stopped;
        if (host.ExitCode is int code)
        {
            ExitCode = code;
            return code == 0 && !failed;
        }

        ExitCode = 1;
        return !failed;
    }

    private void Render(ErrorRecord record)
    {
        // Re-emit the record on the error stream and merge it, so Out-Default renders it as pwsh would (to stderr).
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript("param($record) & { [CmdletBinding()] param($r) $PSCmdlet.WriteError($r) } $record").AddArgument(record);
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        ps.AddCommand("Out-Default");
        ps.Invoke();
    }

    private int ErrorCount() => runspace.SessionStateProxy.GetVariable("Error") is ICollection errors ? errors.Count : 0;
}
