using Xunit;

namespace FlowForensics.Tests;

/// <summary>Tests that measure process-wide memory run after the parallel tests, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurement (not parallel)";
}
