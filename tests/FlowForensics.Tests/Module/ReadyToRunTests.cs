using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>
/// The module's binaries as PE files: bin/il is plain IL that runs anywhere; bin/&lt;os&gt;-&lt;arch&gt; carries
/// ReadyToRun native code for that platform (the build makes this machine's; build.ps1 -Task Package makes four).
/// </summary>
public sealed class ReadyToRunTests
{
    /// <summary>Shipped as IL in every set: only Export-FlowReport uses them (see the cmdlet project).</summary>
    private static readonly HashSet<string> s_ilOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "DocumentFormat.OpenXml.dll", "DocumentFormat.OpenXml.Framework.dll", "System.IO.Packaging.dll",
    };

    /// <summary>READYTORUN_HEADER.Signature, "RTR".</summary>
    private const uint ReadyToRunSignature = 0x00525452;

    private static string BinFolder => Path.Combine(RepoPaths.ModuleFolder, "bin");

    [Fact]
    public void This_platforms_set_carries_ReadyToRun_code_for_this_platform()
    {
        string folder = Path.Combine(BinFolder, RepoPaths.PlatformName);
        Assert.True(Directory.Exists(folder), $"the build made no ReadyToRun set for this platform at {folder}");
        string[] compiled = AssertReadyToRunSet(folder, RepoPaths.PlatformName);
        Assert.Contains("FlowForensics.dll", compiled);
        Assert.Contains("FlowForensics.PowerShell.dll", compiled);
        Assert.Contains("K4os.Compression.LZ4.dll", compiled);
        Assert.Equal(folder, RepoPaths.ModuleBinaryFolder);
    }

    [Fact]
    public void Every_platform_set_carries_code_for_its_own_platform_only()
    {
        // After build.ps1 -Task Package there are four; after a build, this machine's alone.
        string[] sets = [.. Directory.GetDirectories(BinFolder).Select(Path.GetFileName).Where(n => n != "il").Select(n => n!)];
        Assert.NotEmpty(sets);
        foreach (string platform in sets) AssertReadyToRunSet(Path.Combine(BinFolder, platform), platform);
    }

    [Fact]
    public void The_IL_fallback_holds_every_assembly_as_plain_IL_from_the_same_build()
    {
        string il = Path.Combine(BinFolder, "il");
        string[] files = Directory.GetFiles(il, "*.dll");
        Assert.Contains(Path.Combine(il, "FlowForensics.PowerShell.dll"), files);
        foreach (string file in files)
        {
            using var pe = new PEReader(File.OpenRead(file));
            CorHeader cor = pe.PEHeaders.CorHeader!;
            Assert.True(cor is not null, $"{file} is not a .NET assembly");
            Assert.True(cor!.ManagedNativeHeaderDirectory.Size == 0, $"{file} carries native code; the IL set must run on any platform");
            Assert.True(cor.Flags.HasFlag(CorFlags.ILOnly), $"{file} is not marked IL-only");
        }

        // The native sets are compiled from these very assemblies: same module version id, so never a stale set.
        foreach (string set in Directory.GetDirectories(BinFolder).Where(d => Path.GetFileName(d) != "il"))
        {
            foreach (string name in new[] { "FlowForensics.dll", "FlowForensics.PowerShell.dll" })
            {
                Assert.True(Mvid(Path.Combine(il, name)) == Mvid(Path.Combine(set, name)),
                    $"{Path.GetFileName(set)}/{name} was not compiled from bin/il/{name}");
            }
        }
    }

    /// <summary>Asserts every assembly of the set (but the IL-only ones) is a ReadyToRun image for the platform; returns their names.</summary>
    private static string[] AssertReadyToRunSet(string folder, string platform)
    {
        Machine expected = ReadyToRunMachine(platform);
        var compiled = new List<string>();
        foreach (string file in Directory.GetFiles(folder, "*.dll"))
        {
            string name = Path.GetFileName(file);
            using var pe = new PEReader(File.OpenRead(file));
            CorHeader cor = pe.PEHeaders.CorHeader ?? throw new Xunit.Sdk.XunitException($"{file} is not a .NET assembly");
            if (s_ilOnly.Contains(name))
            {
                Assert.True(cor.ManagedNativeHeaderDirectory.Size == 0, $"{platform}/{name} is meant to ship as IL");
                continue;
            }

            DirectoryEntry native = cor.ManagedNativeHeaderDirectory;
            Assert.True(native.Size > 0, $"{platform}/{name} has no managed native header: no ReadyToRun code");
            uint signature = BitConverter.ToUInt32(pe.GetSectionData(native.RelativeVirtualAddress).GetContent(0, 4).AsSpan());
            Assert.True(signature == ReadyToRunSignature, $"{platform}/{name}: the native header is not a READYTORUN header (0x{signature:X8})");
            Assert.False(cor.Flags.HasFlag(CorFlags.ILOnly), $"{platform}/{name} is still marked IL-only");
            Assert.True(pe.PEHeaders.CoffHeader.Machine == expected,
                $"{platform}/{name} is compiled for machine 0x{(ushort)pe.PEHeaders.CoffHeader.Machine:X4}, not {platform} (0x{(ushort)expected:X4})");
            compiled.Add(name);
        }

        return [.. compiled];
    }

    /// <summary>A ReadyToRun image's COFF machine: the processor's, XOR a value naming the OS (crossgen2's convention).</summary>
    private static Machine ReadyToRunMachine(string platform)
    {
        string[] parts = platform.Split('-');
        ushort processor = parts[1] switch
        {
            "x64" => (ushort)Machine.Amd64,
            "arm64" => (ushort)Machine.Arm64,
            _ => throw new Xunit.Sdk.XunitException($"unexpected processor in '{platform}'"),
        };
        ushort os = parts[0] switch
        {
            "win" => 0,
            "linux" => 0x7B79,
            "osx" => 0x4644,
            _ => throw new Xunit.Sdk.XunitException($"unexpected OS in '{platform}'"),
        };
        return (Machine)(processor ^ os);
    }

    private static Guid Mvid(string file)
    {
        using var pe = new PEReader(File.OpenRead(file));
        MetadataReader md = pe.GetMetadataReader();
        return md.GetGuid(md.GetModuleDefinition().Mvid);
    }
}
